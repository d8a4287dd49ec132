{{/*
Names, labels and shared snippets. A "component" is one of the five services; each runs the same
image with its name as the container argument.
*/}}

{{- define "slotwatch.components" -}}scheduler scraper differ notifier api{{- end -}}

{{- define "slotwatch.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end -}}

{{- define "slotwatch.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end -}}

{{/* "<fullname>-<component>", kept within 63 characters. */}}
{{- define "slotwatch.componentName" -}}
{{- printf "%s-%s" (include "slotwatch.fullname" .root | trunc 52 | trimSuffix "-") .component }}
{{- end -}}

{{- define "slotwatch.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end -}}

{{- define "slotwatch.selectorLabels" -}}
app.kubernetes.io/name: {{ include "slotwatch.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "slotwatch.labels" -}}
helm.sh/chart: {{ include "slotwatch.chart" . }}
{{ include "slotwatch.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: slotwatch
{{- end -}}

{{/* Takes (dict "root" $ "component" "scraper"). */}}
{{- define "slotwatch.componentSelectorLabels" -}}
{{ include "slotwatch.selectorLabels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "slotwatch.componentLabels" -}}
{{ include "slotwatch.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "slotwatch.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end -}}

{{- define "slotwatch.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "slotwatch.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end -}}

{{/* The Secret every service reads its secret settings from (envFrom). */}}
{{- define "slotwatch.secretName" -}}
{{- default (include "slotwatch.fullname" .) .Values.secrets.existingSecret }}
{{- end -}}

{{/* SLOTWATCH_PUBLIC_URL: the value given, else the first ingress host, else empty (app default). */}}
{{- define "slotwatch.publicUrl" -}}
{{- if .Values.config.publicUrl }}
{{- .Values.config.publicUrl | trimSuffix "/" }}
{{- else if and .Values.ingress.enabled .Values.ingress.hosts }}
{{- $host := (first .Values.ingress.hosts).host }}
{{- $tls := false }}
{{- range .Values.ingress.tls }}{{ if has $host .hosts }}{{ $tls = true }}{{ end }}{{ end }}
{{- printf "%s://%s" (ternary "https" "http" $tls) $host }}
{{- end }}
{{- end -}}

{{/*
Environment beyond the ConfigMap and Secret (envFrom): DATABASE_URL from database.existingSecret,
then the extra variables for every service and for this one. Takes (dict "root" $ "extra" list).
*/}}
{{- define "slotwatch.env" -}}
{{- $root := .root }}
{{- if $root.Values.database.existingSecret }}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ $root.Values.database.existingSecret }}
      key: {{ $root.Values.database.existingSecretKey }}
{{- end }}
{{- with $root.Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- with .extra }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Values that the schema cannot check alone: refuse to render with a message that says what to set. */}}
{{- define "slotwatch.validate" -}}
{{- $v := .Values }}
{{- if and (not $v.secrets.existingSecret) (not $v.secrets.secretKey) }}
{{- fail "slotwatch: set secrets.secretKey (make one: openssl rand -base64 32) or secrets.existingSecret (a Secret with SLOTWATCH_SECRET_KEY). The chart never generates it: it encrypts stored secrets and must stay the same across upgrades." }}
{{- end }}
{{- if and (not $v.database.url) (not $v.database.existingSecret) (not $v.secrets.existingSecret) }}
{{- fail "slotwatch: say where Postgres is: database.url (postgres://user:password@host:5432/db), database.existingSecret (+ existingSecretKey), or DATABASE_URL in secrets.existingSecret." }}
{{- end }}
{{- if and $v.database.url $v.secrets.existingSecret (not $v.database.existingSecret) }}
{{- fail "slotwatch: database.url is not used when secrets.existingSecret is set: put DATABASE_URL in that Secret, or name a Secret in database.existingSecret." }}
{{- end }}
{{- if $v.secrets.existingSecret }}
{{- range $key := list "secretKey" "adminKey" "smtpUrl" "dkimPrivateKey" "twitterAppKey" "twitterAppSecret" }}
{{- if index $v.secrets $key }}
{{- fail (printf "slotwatch: secrets.%s is not used when secrets.existingSecret is set: put the variable in that Secret instead." $key) }}
{{- end }}
{{- end }}
{{- end }}
{{- if and $v.database.url $v.database.existingSecret }}
{{- fail "slotwatch: set database.url or database.existingSecret, not both." }}
{{- end }}
{{- $graceMs := int $v.config.shutdownGraceMs }}
{{- if le (mul (int $v.terminationGracePeriodSeconds) 1000) (add $graceMs 1500) }}
{{- fail (printf "slotwatch: terminationGracePeriodSeconds (%d) must be longer than config.shutdownGraceMs/1000 + 1.5 s (%d ms + 1500 ms), or Kubernetes kills pods that are still draining." (int $v.terminationGracePeriodSeconds) $graceMs) }}
{{- end }}
{{- range $c := splitList " " (include "slotwatch.components" .) }}
{{- $a := (index $v $c).autoscaling }}
{{- if $a.enabled }}
{{- if gt (int $a.minReplicas) (int $a.maxReplicas) }}
{{- fail (printf "slotwatch: %s.autoscaling.minReplicas (%d) is above maxReplicas (%d)." $c (int $a.minReplicas) (int $a.maxReplicas)) }}
{{- end }}
{{- if not (or $a.targetCPUUtilizationPercentage $a.targetMemoryUtilizationPercentage) }}
{{- fail (printf "slotwatch: %s.autoscaling is enabled with no metric: set targetCPUUtilizationPercentage or targetMemoryUtilizationPercentage." $c) }}
{{- end }}
{{- end }}
{{- end }}
{{- end -}}

{{/* Pod-level settings shared by the Deployments and the migration Job. */}}
{{- define "slotwatch.podScheduling" -}}
{{- with .Values.priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}
