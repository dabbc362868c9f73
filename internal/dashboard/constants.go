package dashboard

import "time"

// Limits and timers of the dashboard.
const (
	// DefaultMaxStreams is how many live-update streams (/ui/events) may be open at once when
	// Options.MaxStreams is zero; one more is refused with 503.
	DefaultMaxStreams = 16
	// DefaultPollInterval is how often an open stream looks at the node for changes when
	// Options.PollInterval is zero.
	DefaultPollInterval = time.Second
	// KeepaliveInterval is the longest a stream stays silent: a comment line is sent after it, so
	// that a vanished client is noticed.
	KeepaliveInterval = 15 * time.Second
	// MaxStreamLifetime ends every stream after this long; the browser reconnects by itself, so no
	// stream holds a slot forever.
	MaxStreamLifetime = 10 * time.Minute
	// StreamWriteTimeout bounds each write to a stream, so a client that stops reading frees its
	// slot.
	StreamWriteTimeout = 10 * time.Second
	// ReconnectDelay is the retry delay sent to the browser for a lost stream.
	ReconnectDelay = 3 * time.Second
	// MaxFormSize bounds the body of a login or logout form.
	MaxFormSize = 4 << 10
	// MaxListed bounds the incidents, actions, peers and nodes shown on one page; the rest are
	// counted but not listed.
	MaxListed = 500
	// MaxLiveIncidents bounds the new incidents one live event announces.
	MaxLiveIncidents = 20
	// MaxNameLength bounds the characters of a name shown; longer names are cut with an ellipsis.
	MaxNameLength = 64
	// ShortIDLength is the hex characters of a node ID shown when its name is unknown.
	ShortIDLength = 16
	// CSRFTokenSize is the random bytes of a login form's CSRF token.
	CSRFTokenSize = 32
	// SessionCookie is the name of the cookie that holds the dashboard session.
	SessionCookie = "x0tta6bl4_session"
	// CSRFCookie is the name of the cookie that holds the login form's CSRF token.
	CSRFCookie = "x0tta6bl4_csrf"
	// CSRFCookieMaxAge is how long a login form may be left open before it is submitted.
	CSRFCookieMaxAge = time.Hour
	// SessionLabel is the HMAC message that derives the session cookie from the API token, so the
	// cookie never carries the token itself.
	SessionLabel = "x0tta6bl4 dashboard session v1"
)

// Geometry of the topology drawing, in SVG user units.
const (
	// svgWidth and svgHeight are the drawing's viewBox.
	svgWidth  = 900
	svgHeight = 600
	// ringNeighbour is the distance of neighbours from the local node in the centre.
	ringNeighbour = 150
	// ringRemote is the distance of remote nodes, placed near their next hop.
	ringRemote = 255
	// remoteSpread is the angle in radians between remote nodes sharing a next hop.
	remoteSpread = 0.28
	// labelGap is the distance from a node's centre to the start of its label, beside it.
	labelGap = 30
	// nodeExtent is the distance from a node's centre that its shape and focus ring cover.
	nodeExtent = 34
	// labelCharWidth and statusCharWidth estimate the width of one character of a node's name
	// and of the smaller status and line labels, to fit the drawing around them.
	labelCharWidth  = 10
	statusCharWidth = 7.5
	// drawingMargin is the space left around the drawing's content.
	drawingMargin = 12
	// edgeLabelOffset is the distance of a line's label from the line, perpendicular to it.
	edgeLabelOffset = 14
)
