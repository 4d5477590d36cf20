package httpapi

import (
	"bytes"
	"cmp"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/spindle-yarn/spindle/container"
)

// statusPageHTML is the status page template. It must stay free of absolute
// links into the AM: browsers reach it through the ResourceManager's proxy
// under /proxy/<application id>/.
const statusPageHTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="refresh" content="5">
<title>Spindle: {{.App.Name}} ({{.App.ID}})</title>
<style>
body { font-family: sans-serif; margin: 1.5em; }
table { border-collapse: collapse; margin-bottom: 1.5em; }
th, td { border: 1px solid #ccc; padding: .3em .6em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
pre { margin: 0; white-space: pre-wrap; }
.failed { color: #b00; }
</style>
</head>
<body>
<h1>{{.App.Name}}</h1>
<table>
<tr><th>Application</th><td>{{.App.ID}}</td></tr>
<tr><th>Mode</th><td>{{.App.Mode}}</td></tr>
<tr><th>State</th><td id="state">{{.App.State}}</td></tr>
{{- with .App.User}}
<tr><th>User</th><td>{{.}}</td></tr>
{{- end}}
{{- with .App.Queue}}
<tr><th>Queue</th><td>{{.}}</td></tr>
{{- end}}
{{- if not .App.StartedAt.IsZero}}
<tr><th>Elapsed</th><td>{{.Elapsed}} (since {{when .App.StartedAt}})</td></tr>
{{- end}}
{{- if .App.Attempt}}
<tr><th>Attempt</th><td>{{.App.Attempt}} of {{.App.MaxAttempts}}</td></tr>
{{- end}}
<tr><th>Executors</th><td>{{.App.Running}} running, {{.App.Pending}} pending of {{.App.TargetExecutors}} wanted</td></tr>
{{- if .App.ExecutorMemoryMB}}
<tr><th>Resources</th><td>{{.App.ExecutorMemoryMB}} MB, {{.App.ExecutorCores}} vcores per executor</td></tr>
{{- end}}
{{- if .App.FailureBudget}}
<tr><th>Failure budget</th><td{{if .App.Failed}} class="failed"{{end}}>{{.App.Failed}} of {{.App.FailureBudget}} executor failures used</td></tr>
{{- end}}
{{- with .App.DriverLogURL}}
<tr><th>Driver log</th><td><a id="driver-log" href="{{.}}">stdout, stderr and the AM's log</a></td></tr>
{{- end}}
{{- if .App.Diagnostics}}
<tr><th>Diagnostics</th><td><pre>{{.App.Diagnostics}}</pre></td></tr>
{{- end}}
<tr><th>Dynamic allocation</th><td>{{if .App.DynamicAllocation}}on{{else}}off{{end}}</td></tr>
{{- with .App.Tasks}}
<tr><th>Work queue</th><td>{{.Queued}} queued, {{.Leased}} leased, {{.Done}} done, {{.Failed}} failed of {{.Total}}{{if .Finished}} (finished){{else if .Sealed}} (sealed){{end}}</td></tr>
{{- end}}
<tr><th>Key-value store</th><td>{{.Keys}} keys, {{.Bytes}} bytes</td></tr>
</table>
<h2>Executors</h2>
{{- if .Executors}}
<table id="executors">
<tr><th>ID</th><th>State</th><th>Activity</th><th>Host</th><th>Container</th><th>Exit status</th><th>Started</th><th>Finished</th><th>Logs</th><th>Diagnostics</th></tr>
{{- range .Executors}}
<tr{{if eq .State "failed"}} class="failed"{{end}}>
<td>{{.ID}}</td><td>{{.State}}</td><td>{{.Activity}}{{if .Leases}} ({{.Leases}} tasks){{else if not .IdleSince.IsZero}} since {{when .IdleSince}}{{end}}</td><td>{{.Host}}</td><td>{{.ContainerID}}</td>
<td>{{with .ExitStatus}}{{.}}{{end}}</td>
<td>{{when .StartedAt}}</td><td>{{when .FinishedAt}}</td>
<td>{{with .LogURL}}<a href="{{.}}">logs</a>{{end}}</td>
<td>{{with .Diagnostics}}<pre>{{.}}</pre>{{end}}</td>
</tr>
{{- end}}
</table>
{{- else}}
<p>No executors yet.</p>
{{- end}}
<h2>Events</h2>
{{- if .Events}}
<table id="events">
<tr><th>#</th><th>Time</th><th>Event</th><th>What happened</th></tr>
{{- range .Events}}
<tr{{if eq .Type "executor-failed"}} class="failed"{{end}}><td>{{.Seq}}</td><td>{{when .Time}}</td><td>{{.Type}}</td><td>{{.Message}}</td></tr>
{{- end}}
</table>
{{- else}}
<p>No events yet.</p>
{{- end}}
<p>As of {{when .Now}}; this page refreshes every 5 seconds.</p>
</body>
</html>
`

// statusPage is what the status page template shows.
type statusPage struct {
	App       container.AppInfo
	Executors []container.ExecutorInfo
	Keys      int
	Bytes     int64
	Now       time.Time
	Elapsed   time.Duration
	Events    []container.Event // newest first, at most maxPageEvents
}

// maxPageEvents is how many of the latest events the status page shows.
const maxPageEvents = 200

// parseStatusPage parses the status page template.
func parseStatusPage() (*template.Template, error) {
	return template.New("status").Funcs(template.FuncMap{
		"when": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.UTC().Format("2006-01-02 15:04:05 UTC")
		},
	}).Parse(statusPageHTML)
}

// serveStatusPage answers GET / with the HTML status page. It shows nothing
// secret: no key-value contents, and never the secret.
func (s *Server) serveStatusPage(w http.ResponseWriter, r *http.Request) {
	data := statusPage{
		App:       s.backend.App(),
		Executors: slices.Clone(s.backend.Executors()),
		Now:       time.Now(),
	}
	data.Keys, data.Bytes = s.kv.counts()
	if !data.App.StartedAt.IsZero() {
		data.Elapsed = data.Now.Sub(data.App.StartedAt).Round(time.Second)
	}
	if lv, ok := s.backend.(Live); ok {
		page, _ := lv.Events(0)
		evs := page.Events
		if len(evs) > maxPageEvents {
			evs = evs[len(evs)-maxPageEvents:]
		}
		data.Events = slices.Clone(evs)
		slices.Reverse(data.Events)
	}
	slices.SortStableFunc(data.Executors, func(a, b container.ExecutorInfo) int {
		return compareExecutorIDs(a.ID, b.ID)
	})
	var buf bytes.Buffer
	if err := s.page.Execute(&buf, data); err != nil {
		writeError(w, http.StatusInternalServerError, "rendering the status page: "+err.Error())
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(buf.Bytes())
	}
}

// compareExecutorIDs orders numeric ids numerically ("2" before "10") and
// puts them before any others, which are ordered as strings.
func compareExecutorIDs(a, b string) int {
	na, errA := strconv.ParseUint(a, 10, 64)
	nb, errB := strconv.ParseUint(b, 10, 64)
	switch {
	case errA == nil && errB == nil:
		return cmp.Compare(na, nb)
	case errA == nil:
		return -1
	case errB == nil:
		return 1
	}
	return cmp.Compare(a, b)
}
