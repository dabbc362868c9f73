package dashboard

import (
	"errors"
	"fmt"
	"html/template"
	"math"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/x0tta6bl4/x0tta6bl4/internal/api"
)

// view is what every page template gets: the layout's fields and the page's own Data.
type view struct {
	// Title is the page's title, also its h1.
	Title string
	// Nav is the key of the navigation entry of the page, marked aria-current.
	Nav string
	// Auth shows the sign-out button.
	Auth bool
	// Live makes the page subscribe to live updates.
	Live bool
	// Fragment, when set, renders only that template instead of the whole layout.
	Fragment string
	// Now is when the page was rendered.
	Now Time
	// Data is the page's own data.
	Data any
}

// errorView is the data of the error page.
type errorView struct {
	Status  int
	Message string
}

// funcs are the template functions; they keep no state.
var funcs = template.FuncMap{
	"plural": func(n int, one, many string) string {
		if n == 1 {
			return one
		}
		return many
	},
}

// Time is a time as pages show it: a machine-readable value for the datetime attribute, a UTC text
// and its age relative to the page.
type Time struct {
	// Zero is true for an unset time; the other fields are then empty.
	Zero bool
	// Attr is RFC 3339 for <time datetime>.
	Attr string
	// Text is "2006-01-02 15:04:05 UTC".
	Text string
	// Ago is "12 s ago", "in 3 d" or "now".
	Ago string
}

// mkTime formats t relative to now.
func mkTime(t, now time.Time) Time {
	if t.IsZero() {
		return Time{Zero: true}
	}
	d := now.Sub(t)
	ago := ""
	switch {
	case d > -time.Second && d < time.Second:
		ago = "now"
	case d > 0:
		ago = duration(d) + " ago"
	default:
		ago = "in " + duration(-d)
	}
	return Time{Attr: t.UTC().Format(time.RFC3339Nano), Text: t.UTC().Format("2006-01-02 15:04:05 UTC"), Ago: ago}
}

// duration writes d coarsely with one unit: "850 ms", "12 s", "5 min", "3 h", "2 d".
func duration(d time.Duration) string {
	switch {
	case d < time.Second:
		return fmt.Sprintf("%d ms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h", int(d.Hours()))
	}
	return fmt.Sprintf("%d d", int(d.Hours()/24))
}

// seconds writes a duration in seconds from the API with a sensible precision.
func seconds(s float64) string {
	switch {
	case s <= 0 || math.IsNaN(s) || math.IsInf(s, 0):
		return "—"
	case s < 1:
		return fmt.Sprintf("%.0f ms", s*1000)
	case s < 100:
		return fmt.Sprintf("%.1f s", s)
	}
	return duration(time.Duration(s * float64(time.Second)))
}

// clean makes attacker-influenced text (certificate names, reasons) safe to show beyond HTML
// escaping, which the templates do: invalid UTF-8, control and format characters (such as bidi
// overrides that could disguise a name) become U+FFFD, and the text is cut to max runes.
func clean(s string, max int) string {
	var b strings.Builder
	n := 0
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		s = s[size:]
		if r == utf8.RuneError || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			r = utf8.RuneError
		}
		if n == max {
			b.WriteString("…")
			break
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

// names maps node IDs to the labels pages show: the certificate name when known, else the short ID.
type names map[string]string

// newNames collects the names the node knows from its topology and peers.
func newNames(t api.Topology, peers []api.PeerInfo) names {
	n := names{}
	for _, p := range peers {
		if p.Name != "" {
			n[p.ID] = clean(p.Name, MaxNameLength)
		}
	}
	for _, x := range t.Nodes {
		if x.Name != "" {
			n[x.ID] = clean(x.Name, MaxNameLength)
		}
	}
	return n
}

// label is id's name, or its short ID.
func (n names) label(id string) string {
	if id == api.SubjectLocal {
		return "this node"
	}
	if s, ok := n[id]; ok {
		return s
	}
	return shortID(id)
}

// shortID is the first ShortIDLength characters of id, as identity.NodeID.Short writes it.
func shortID(id string) string {
	return strings.TrimSuffix(clean(id, ShortIDLength), "…")
}

// healing wraps a Backend's Incidents or Actions error: ErrUnavailable means self-healing is off,
// which a page shows rather than fails on.
func healing(err error) (on bool, _ error) {
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, api.ErrUnavailable):
		return false, nil
	}
	return false, err
}
