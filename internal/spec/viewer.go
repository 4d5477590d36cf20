package spec

import (
	"encoding/json"
	"errors"
	"fmt"
)

// ViewerFileName is the file in the staging directory that lets the
// application's owner read the running application from another process
// (`spindle logs --follow`): the viewers' secret and the AM's TLS pin. The
// client writes it with permission 0600 in the 0700 staging directory, so
// whoever can read it can read the application's logs anyway.
const ViewerFileName = "spindle-viewer.json"

// ViewerSecret derives the viewers' secret from the application secret,
// one-way (see ExecutorSecret). The AM API lets it read only: the
// application, its executors, events, the driver's output and containers'
// logs; nothing that changes the application, the key-value store, the work
// queue or the credentials.
func ViewerSecret(appSecret string) string {
	return deriveSecret(appSecret, "spindle viewer secret v1")
}

// Viewer is the content of ViewerFileName.
type Viewer struct {
	// Secret is the viewers' secret (ViewerSecret).
	Secret string `json:"secret"`
	// AMPubKeySHA256 pins the AM API's TLS certificate.
	AMPubKeySHA256 string `json:"amPubKeySha256"`
}

// Marshal encodes v for ViewerFileName.
func (v Viewer) Marshal() ([]byte, error) {
	if v.Secret == "" {
		return nil, errors.New("encode the viewer file: no secret")
	}
	return json.Marshal(v)
}

// ParseViewer decodes the content of ViewerFileName.
func ParseViewer(b []byte) (Viewer, error) {
	var v Viewer
	if err := json.Unmarshal(b, &v); err != nil {
		return Viewer{}, fmt.Errorf("read %s: %w", ViewerFileName, err)
	}
	if v.Secret == "" {
		return Viewer{}, fmt.Errorf("read %s: it holds no secret", ViewerFileName)
	}
	return v, nil
}
