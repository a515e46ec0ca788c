{{/* Kubernetes name of a service: "request_review" -> "pdo-request-review". */}}
{{- define "pdo.serviceName" -}}
{{- printf "pdo-%s" (replace "_" "-" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels shared by every object of the release. */}}
{{- define "pdo.commonLabels" -}}
app.kubernetes.io/part-of: pdo
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/instance: {{ .Release.Name }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}
