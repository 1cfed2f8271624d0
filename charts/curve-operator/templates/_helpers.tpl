{{- define "curve-operator.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "curve-operator.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "curve-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "curve-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "curve-operator.labels" -}}
{{ include "curve-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "curve-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "curve-operator.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "curve-operator.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag -}}
{{- if eq $tag "latest" -}}{{- fail "image.tag must be a version, not latest" -}}{{- end -}}
{{- printf "%s:%s" .Values.image.repository $tag -}}
{{- end -}}

{{- /* The discover DaemonSet and its RBAC: a name of their own, so the operator Deployment's
selector never matches its pods. */ -}}
{{- define "curve-operator.discoverName" -}}
{{- printf "%s-discover" (include "curve-operator.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "curve-operator.discoverSelectorLabels" -}}
app.kubernetes.io/name: {{ printf "%s-discover" (include "curve-operator.name" .) | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: discover
{{- end -}}

{{- define "curve-operator.discoverLabels" -}}
{{ include "curve-operator.discoverSelectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}
