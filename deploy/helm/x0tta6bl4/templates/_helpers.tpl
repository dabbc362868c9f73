{{/* Chart name. */}}
{{- define "x0.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Release-scoped name; pod names are <fullname>-<ordinal>, so it leaves room for them. */}}
{{- define "x0.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "x0.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels that never change for the life of a release: the StatefulSet selector. */}}
{{- define "x0.selectorLabels" -}}
app.kubernetes.io/name: {{ include "x0.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: node
{{- end -}}

{{- define "x0.labels" -}}
helm.sh/chart: {{ include "x0.chart" . }}
app.kubernetes.io/name: {{ include "x0.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/part-of: {{ .Values.meshName }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- with .Values.color }}
x0tta6bl4.io/color: {{ . }}
{{- end }}
{{- end -}}

{{/* Labels of every node pod of the mesh, whatever the release or colour. */}}
{{- define "x0.meshPodLabels" -}}
app.kubernetes.io/name: {{ include "x0.name" . }}
app.kubernetes.io/part-of: {{ .Values.meshName }}
app.kubernetes.io/component: node
{{- end -}}

{{- define "x0.headless" -}}{{ include "x0.fullname" . }}-headless{{- end -}}
{{- define "x0.caSecret" -}}{{ default (printf "%s-ca" (include "x0.fullname" .)) .Values.identity.caSecret }}{{- end -}}
{{- define "x0.nodeSecretPrefix" -}}{{ default (printf "%s-node" (include "x0.fullname" .)) .Values.identity.nodeSecretPrefix }}{{- end -}}
{{- define "x0.tokenSecret" -}}{{ default (printf "%s-api-token" (include "x0.fullname" .)) .Values.apiToken.existingSecret }}{{- end -}}

{{/* An image reference from {repository, digest, tag}: by digest, else by tag. what names it in errors. */}}
{{- define "x0.imageRef" -}}
{{- $img := index . 0 -}}{{- $what := index . 1 -}}
{{- if not $img.repository -}}
{{- fail (printf "%s.repository is required" $what) -}}
{{- end -}}
{{- if $img.digest -}}
{{- printf "%s@%s" $img.repository $img.digest -}}
{{- else if $img.tag -}}
{{- printf "%s:%s" $img.repository $img.tag -}}
{{- else -}}
{{- fail (printf "%s.digest is required (sha256:<64 hex>); %s.tag is a discouraged fallback" $what $what) -}}
{{- end -}}
{{- end -}}

{{- define "x0.image" -}}{{ include "x0.imageRef" (list .Values.image "image") }}{{- end -}}
{{- define "x0.keyInstallerImage" -}}{{ include "x0.imageRef" (list .Values.identity.keyInstaller.image "identity.keyInstaller.image") }}{{- end -}}

{{/* host:port with IPv6 hosts in brackets. */}}
{{- define "x0.hostPort" -}}
{{- $host := index . 0 -}}{{- $port := index . 1 -}}
{{- if contains ":" $host -}}[{{ $host }}]:{{ $port }}{{- else -}}{{ $host }}:{{ $port }}{{- end -}}
{{- end -}}

{{/* The container security context every container of the chart runs with. */}}
{{- define "x0.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
readOnlyRootFilesystem: true
allowPrivilegeEscalation: false
privileged: false
seccompProfile:
  type: RuntimeDefault
capabilities:
  drop: [ALL]
{{- end -}}

{{- define "x0.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
fsGroup: 65532
fsGroupChangePolicy: OnRootMismatch
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* Checks across values that the schema cannot express; fails with a clear message. */}}
{{- define "x0.validate" -}}
{{- if not (or .Values.node.enabled .Values.stableService.enabled) -}}
{{- fail "nothing to render: node.enabled and stableService.enabled are both false" -}}
{{- end -}}
{{- if .Values.node.enabled -}}
{{- $n := int .Values.node.replicaCount -}}
{{- $ips := .Values.peering.serviceIPs -}}
{{- if ne (len $ips) $n -}}
{{- fail (printf "peering.serviceIPs has %d addresses for node.replicaCount %d: give one fixed ClusterIP per node, in ordinal order (README: Peering)" (len $ips) $n) -}}
{{- end -}}
{{- if ne (len $ips) (len (uniq $ips)) -}}
{{- fail "peering.serviceIPs: every node needs its own address" -}}
{{- end -}}
{{- $v6 := contains ":" (first $ips) -}}
{{- range $ips -}}
{{- if ne $v6 (contains ":" .) -}}
{{- fail "peering.serviceIPs: mix of IPv4 and IPv6 addresses; use the pods' one family" -}}
{{- end -}}
{{- end -}}
{{- if ge (int .Values.updateStrategy.partition) (add $n 1 | int) -}}
{{- fail (printf "updateStrategy.partition %d is above node.replicaCount %d (pods with ordinal >= partition are updated; partition = replicaCount updates none)" (int .Values.updateStrategy.partition) $n) -}}
{{- end -}}
{{- if eq (int .Values.node.port) (int .Values.node.apiPort) -}}
{{- fail "node.port and node.apiPort must differ" -}}
{{- end -}}
{{- end -}}
{{- if and .Values.stableService.enabled (not .Values.stableService.activeColor) -}}
{{- fail "stableService.activeColor is required" -}}
{{- end -}}
{{- end -}}
