package httpapi

import (
	"context"
	"net/http"
	"strconv"

	"github.com/spindle-yarn/spindle/container"
)

// CredentialsBackend is what a Backend implements to hand out Hadoop
// credentials the ApplicationMaster refreshes (secured clusters with a
// keytab): GET /api/v1/credentials.
type CredentialsBackend interface {
	// Credentials returns the newest credentials file for the driver
	// (driver true) or for the executors, and its version, waiting until
	// ctx ends for a version newer than after. ok is false when the
	// application's credentials are not refreshed.
	Credentials(ctx context.Context, driver bool, after uint64) (version uint64, file []byte, ok bool)
}

// getCredentials answers GET /api/v1/credentials?after=N&wait=D with
// container.Credentials: the caller's newest credentials file (the driver's
// with the driver's secret, the executors' with theirs), or only the
// version when none newer than N appeared within D.
func (s *Server) getCredentials(w http.ResponseWriter, r *http.Request) {
	cb, ok := s.backend.(CredentialsBackend)
	if !ok {
		writeError(w, http.StatusNotFound, "this ApplicationMaster hands out no credentials")
		return
	}
	q := r.URL.Query()
	after, err := strconv.ParseUint(q.Get("after"), 10, 64)
	if q.Get("after") == "" {
		after, err = 0, nil
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid after "+strconv.Quote(q.Get("after"))+": want a version number")
		return
	}
	wait, err := parseWait(q.Get("wait"))
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), min(wait, container.MaxKVWait))
	defer cancel()
	go func() {
		select {
		case <-s.drained:
			cancel()
		case <-ctx.Done():
		}
	}()
	driver := r.Context().Value(roleKey{}) == roleDriver
	version, file, ok := cb.Credentials(ctx, driver, after)
	if !ok {
		writeError(w, http.StatusNotFound, "this application's credentials are not refreshed: submit with --principal and --keytab")
		return
	}
	out := container.Credentials{Version: version}
	if version > after {
		out.File = file
	}
	writeJSON(w, http.StatusOK, out)
}
