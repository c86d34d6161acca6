{{/* The selector: the release only, never the revision (a Deployment's selector is immutable). */}}
{{- define "zopdeck.selectorLabels" -}}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/name: {{ .Release.Name }}
{{- end }}

{{/* zopdeck's own labels: the pods of a revision are found by them. */}}
{{- define "zopdeck.revisionLabels" -}}
zopdeck.dev/deployment-id: {{ .Values.deploymentId | toString | quote }}
zopdeck.dev/revision: {{ .Values.revision | int | toString | quote }}
{{- end }}

{{/* Every object's metadata. Newer Helm deletes and adopts only objects that carry these. */}}
{{- define "zopdeck.metadata" -}}
namespace: {{ .Release.Namespace }}
labels:
  {{- include "zopdeck.selectorLabels" . | nindent 2 }}
  app.kubernetes.io/managed-by: {{ .Release.Service }}
  helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
  {{- include "zopdeck.revisionLabels" . | nindent 2 }}
annotations:
  meta.helm.sh/release-name: {{ .Release.Name }}
  meta.helm.sh/release-namespace: {{ .Release.Namespace }}
  zopdeck.dev/revision-id: {{ .Values.revisionId | toString | quote }}
{{- end }}
