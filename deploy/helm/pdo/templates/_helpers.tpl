{{/* Release-scoped base name: "<release>-pdo", or the release name if it contains "pdo". */}}
{{- define "pdo.fullname" -}}
{{- if contains "pdo" .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-pdo" .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Kubernetes name of one service of this release: "<fullname>-request-review". */}}
{{- define "pdo.serviceName" -}}
{{- printf "%s-%s" (include "pdo.fullname" .root) (replace "_" "-" .name) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The Kafka principal of one service: pdo-<region>-<service> (as `pdo kafka provision`). */}}
{{- define "pdo.kafkaUser" -}}
{{- printf "pdo-%s-%s" .root.Values.region (replace "_" "-" .name) -}}
{{- end -}}

{{/* Labels of an object that has no pdo.selectorLabels (which carry the instance). */}}
{{- define "pdo.labels" -}}
{{ include "pdo.commonLabels" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Labels shared by every object of the release (with pdo.selectorLabels or pdo.labels). */}}
{{- define "pdo.commonLabels" -}}
app.kubernetes.io/part-of: pdo
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
pdo.region: {{ .Values.region | quote }}
{{- end -}}

{{/* Selector of one service's pods. */}}
{{- define "pdo.selectorLabels" -}}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/name: pdo
pdo.service: {{ .name }}
{{- end -}}
