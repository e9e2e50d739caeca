{{/* Names: <release>-hookrail unless the release is already called hookrail. */}}
{{- define "hookrail.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "hookrail.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* Selector of one component: dict "root" $ "component" "router" */}}
{{- define "hookrail.selector" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "hookrail.image" -}}
{{ printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end -}}

{{- define "hookrail.kafkaSecret" -}}
{{- default (printf "%s-kafka" (include "hookrail.fullname" .)) .Values.kafka.sasl.existingSecret -}}
{{- end -}}

{{/*
The pod of one service. dict:
  root       the chart's context
  component  router | deliverer-<pool> | monitor (the selector)
  main       the service's main file
  env        list of extra env entries (name/value or name/valueFrom)
  resources  its resources
*/}}
{{- define "hookrail.pod" -}}
{{- $root := .root -}}
metadata:
  labels:
    {{- include "hookrail.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ .component }}
  annotations:
    # Roll the pods when the config changes.
    checksum/config: {{ include (print $root.Template.BasePath "/configmap.yaml") $root | sha256sum }}
    {{- with $root.Values.podAnnotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  # Above the shutdown deadline, or the kubelet SIGKILLs a service mid-shutdown.
  terminationGracePeriodSeconds: {{ add $root.Values.shutdownDeadlineSeconds $root.Values.graceSeconds }}
  securityContext:
    {{- toYaml $root.Values.podSecurityContext | nindent 4 }}
  {{- with $root.Values.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  containers:
    - name: {{ .name }}
      image: {{ include "hookrail.image" $root }}
      imagePullPolicy: {{ $root.Values.image.pullPolicy }}
      args: [{{ .main | quote }}]
      envFrom:
        - configMapRef:
            name: {{ include "hookrail.fullname" $root }}-env
        {{- if $root.Values.kafka.sasl.mechanism }}
        - secretRef:
            name: {{ include "hookrail.kafkaSecret" $root }}
        {{- end }}
      env:
        - name: HOOKRAIL_CONFIG
          value: /etc/hookrail/hookrail.yaml
        {{- with .env }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      ports:
        - name: ops
          containerPort: {{ $root.Values.opsPort }}
          protocol: TCP
      startupProbe:
        httpGet: { path: /healthz, port: ops }
        periodSeconds: 2
        failureThreshold: 30
      livenessProbe:
        httpGet: { path: /healthz, port: ops }
        periodSeconds: 10
        timeoutSeconds: 5
        failureThreshold: 3
      readinessProbe:
        httpGet: { path: /readyz, port: ops }
        periodSeconds: 5
        timeoutSeconds: 3
        failureThreshold: 2
      resources:
        {{- toYaml .resources | nindent 8 }}
      securityContext:
        {{- toYaml $root.Values.securityContext | nindent 8 }}
      volumeMounts:
        - name: config
          mountPath: /etc/hookrail
          readOnly: true
        - name: tmp
          mountPath: /tmp
  volumes:
    - name: config
      configMap:
        name: {{ include "hookrail.fullname" $root }}-config
    - name: tmp
      emptyDir: {}
  {{- with $root.Values.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $root.Values.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $root.Values.affinity }}
  affinity:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end -}}

{{/* The instance id: the pod's name, unique and also right with hostNetwork. */}}
{{- define "hookrail.instanceIdEnv" -}}
- name: HOOKRAIL_INSTANCE_ID
  valueFrom:
    fieldRef: { fieldPath: metadata.name }
{{- end -}}

{{/* name=value map -> env list */}}
{{- define "hookrail.envList" -}}
{{- range $name, $value := . }}
- name: {{ $name }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- end -}}

{{/* The retry ladder's rung names (shared/src/retry-ladder.ts). */}}
{{- define "hookrail.ladder" -}}
1s 4s 16s 64s 256s 1024s 4096s 16384s
{{- end -}}

{{/* Every component that runs pods: router, deliverer-<pool>..., monitor. */}}
{{- define "hookrail.components" -}}
{{- $components := list "router" -}}
{{- range .Values.deliverer.pools }}{{ $components = append $components (printf "deliverer-%s" .name) }}{{ end -}}
{{- if .Values.monitor.enabled }}{{ $components = append $components "monitor" }}{{ end -}}
{{- join " " $components -}}
{{- end -}}

{{/* A duration as hookrail writes it (1500, 30s, 5m, 2h, 7d) in milliseconds. */}}
{{- define "hookrail.durationMs" -}}
{{- $d := toString . -}}
{{- $units := dict "ms" 1 "s" 1000 "m" 60000 "h" 3600000 "d" 86400000 -}}
{{- $match := regexFind "^[0-9]+(ms|s|m|h|d)?$" $d -}}
{{- if not $match }}{{ fail (printf "expected a duration like 1500, 30s, 5m, 2h or 7d, got %q" $d) }}{{ end -}}
{{- $unit := regexFind "(ms|s|m|h|d)$" $d -}}
{{- $number := trimSuffix $unit $d | int64 -}}
{{- mul $number (default 1 (get $units $unit)) -}}
{{- end -}}
