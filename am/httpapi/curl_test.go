package httpapi

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/spindle-yarn/spindle/internal/amtls"
)

// curl runs curl with args and returns its output and exit code; the test is
// skipped when curl is not installed.
func curl(t *testing.T, args ...string) (string, int) {
	t.Helper()
	path, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl is not installed")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, path, append([]string{"-sS", "--max-time", "10"}, args...)...).CombinedOutput()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		return string(out), ee.ExitCode()
	case err != nil:
		t.Fatalf("curl %v: %v", args, err)
	}
	return string(out), 0
}

// TestServeTLSWithCurl runs the README's curl usage against ServeTLS: with
// -k and --pinnedpubkey sha256//$SPINDLE_AM_PUBKEY_SHA256 the API answers,
// with another pin curl refuses the server, and without -k curl refuses the
// self-signed certificate.
func TestServeTLSWithCurl(t *testing.T) {
	addr, _, pin, _ := tlsServer(t)
	base := "https://" + addr
	auth := "Authorization: Bearer " + testSecret
	pinned := []string{"-k", "--pinnedpubkey", "sha256//" + pin, "-H", auth}

	out, code := curl(t, append(pinned, "-X", "PUT", "--data", "10.0.0.1:7077", base+"/api/v1/kv/driver/addr")...)
	if code != 0 {
		t.Fatalf("curl PUT with the pinned key: exit %d: %s", code, out)
	}
	out, code = curl(t, append(pinned, base+"/api/v1/kv/driver/addr?wait=5s")...)
	if code != 0 || out != "10.0.0.1:7077" {
		t.Errorf("curl GET with the pinned key = exit %d, %q; want the value", code, out)
	}

	other, err := amtls.New("application_1_0001", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	// curl's exit code 90: CURLE_SSL_PINNEDPUBKEYNOTMATCH.
	out, code = curl(t, "-k", "--pinnedpubkey", "sha256//"+other.Pin(), "-H", auth, base+"/api/v1/app")
	if code != 90 || strings.Contains(out, "application_1_0001") {
		t.Errorf("curl pinning another key = exit %d: %s; want exit 90 and no answer", code, out)
	}
	if out, code = curl(t, "-H", auth, base+"/api/v1/app"); code == 0 {
		t.Errorf("curl verifying the certificate the usual way accepted it: %s", out)
	}
}
