package creds

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// AMRMTokenKind is the kind of the token an ApplicationMaster uses to talk
// to the ResourceManager's scheduler port. The RM stores it in the AM
// container's credentials under an empty alias with an empty service, so
// look it up with FindToken(AMRMTokenKind) rather than by alias or service.
const AMRMTokenKind = "YARN_AM_RM_TOKEN"

// MaxCredentialsSize is the largest credentials blob Read and
// ReadFile accept, in bytes. Real files are a few kilobytes.
const MaxCredentialsSize = 64 << 20

// credentialsMagic opens every Hadoop token storage file ("HDTS").
const credentialsMagic = "HDTS"

// Format selects how Credentials are serialized. Both formats start with the
// magic "HDTS" followed by the format as one version byte.
type Format byte

const (
	// FormatWritable is version 0: Hadoop Writable encoding with Hadoop
	// VInts. It is what current Hadoop writes by default and what every
	// Hadoop version can read, so it is the default.
	FormatWritable Format = 0
	// FormatProtobuf is version 1: one varint-length-delimited
	// CredentialsProto message. Hadoop 3.0 and later can read it.
	FormatProtobuf Format = 1
)

// String returns "writable", "protobuf", or "format(N)" for unknown values.
func (f Format) String() string {
	switch f {
	case FormatWritable:
		return "writable"
	case FormatProtobuf:
		return "protobuf"
	}
	return fmt.Sprintf("format(%d)", byte(f))
}

// Token is a Hadoop security token (the Writable Token / TokenProto record).
// Identifier bytes are opaque: copy them verbatim, never re-encode them.
type Token struct {
	// Identifier is the serialized token identifier.
	Identifier []byte
	// Password is the secret (an HMAC over Identifier) proving the token.
	Password []byte
	// Kind names the token type, e.g. "YARN_AM_RM_TOKEN" or "HDFS_DELEGATION_TOKEN".
	Kind string
	// Service names the server(s) the token is meant for, often "host:port"; may be empty.
	Service string
}

// String describes the token without revealing its password or identifier
// bytes, so tokens can be logged safely.
func (t Token) String() string {
	return fmt.Sprintf("Token{kind=%q service=%q identifier=%d bytes}", t.Kind, t.Service, len(t.Identifier))
}

// clone returns a deep copy of t; nil slices stay nil.
func (t Token) clone() Token {
	t.Identifier = cloneBytes(t.Identifier)
	t.Password = cloneBytes(t.Password)
	return t
}

func cloneBytes(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte{}, b...)
}

type tokenEntry struct {
	alias string
	token Token
}

type secretEntry struct {
	alias string
	value []byte
}

// Credentials is the content of a Hadoop credentials file (the file
// HADOOP_TOKEN_FILE_LOCATION names inside a container, and the bytes of
// ContainerLaunchContext.tokens): tokens and secret keys, each keyed by an
// alias. Entries keep their insertion order, so serialization is
// deterministic; replacing an entry keeps its position.
//
// The zero value is an empty Credentials ready to use. A Credentials is not
// safe for concurrent modification. Byte slices are copied in and out, so
// callers never share memory with a Credentials.
type Credentials struct {
	tokens      []tokenEntry
	tokenIndex  map[string]int
	secrets     []secretEntry
	secretIndex map[string]int
}

// AddToken stores t under alias, replacing (in place) any token already
// stored under that alias.
func (c *Credentials) AddToken(alias string, t Token) {
	c.addTokenOwned(alias, t.clone())
}

// addTokenOwned is AddToken without the copy, for tokens nobody else holds.
func (c *Credentials) addTokenOwned(alias string, t Token) {
	if i, ok := c.tokenIndex[alias]; ok {
		c.tokens[i].token = t
		return
	}
	if c.tokenIndex == nil {
		c.tokenIndex = make(map[string]int)
	}
	c.tokenIndex[alias] = len(c.tokens)
	c.tokens = append(c.tokens, tokenEntry{alias: alias, token: t})
}

// Token returns a copy of the token stored under alias.
func (c *Credentials) Token(alias string) (Token, bool) {
	i, ok := c.tokenIndex[alias]
	if !ok {
		return Token{}, false
	}
	return c.tokens[i].token.clone(), true
}

// TokensOfKind returns copies of all tokens whose Kind is kind, in insertion
// order, or nil if there are none.
func (c *Credentials) TokensOfKind(kind string) []Token {
	var out []Token
	for _, e := range c.tokens {
		if e.token.Kind == kind {
			out = append(out, e.token.clone())
		}
	}
	return out
}

// FindToken returns a copy of the first token (in insertion order) whose
// Kind is kind. An AM finds its AMRM token with FindToken(AMRMTokenKind).
func (c *Credentials) FindToken(kind string) (Token, bool) {
	for _, e := range c.tokens {
		if e.token.Kind == kind {
			return e.token.clone(), true
		}
	}
	return Token{}, false
}

// RemoveToken deletes the token stored under alias and reports whether
// there was one. The order of the remaining tokens is unchanged.
func (c *Credentials) RemoveToken(alias string) bool {
	i, ok := c.tokenIndex[alias]
	if !ok {
		return false
	}
	c.tokens = append(c.tokens[:i], c.tokens[i+1:]...)
	delete(c.tokenIndex, alias)
	for j := i; j < len(c.tokens); j++ {
		c.tokenIndex[c.tokens[j].alias] = j
	}
	return true
}

// RemoveTokensOfKind deletes every token whose Kind is kind and returns how
// many were removed. An AM calls RemoveTokensOfKind(AMRMTokenKind) on a copy
// of its credentials before handing them to worker containers.
func (c *Credentials) RemoveTokensOfKind(kind string) int {
	var aliases []string
	for _, e := range c.tokens {
		if e.token.Kind == kind {
			aliases = append(aliases, e.alias)
		}
	}
	for _, a := range aliases {
		c.RemoveToken(a)
	}
	return len(aliases)
}

// Aliases returns the aliases of all tokens, in insertion order.
func (c *Credentials) Aliases() []string {
	out := make([]string, len(c.tokens))
	for i, e := range c.tokens {
		out[i] = e.alias
	}
	return out
}

// AddSecret stores a copy of value under alias, replacing (in place) any
// secret already stored under that alias.
func (c *Credentials) AddSecret(alias string, value []byte) {
	value = cloneBytes(value)
	if value == nil {
		value = []byte{}
	}
	if i, ok := c.secretIndex[alias]; ok {
		c.secrets[i].value = value
		return
	}
	if c.secretIndex == nil {
		c.secretIndex = make(map[string]int)
	}
	c.secretIndex[alias] = len(c.secrets)
	c.secrets = append(c.secrets, secretEntry{alias: alias, value: value})
}

// Secret returns a copy of the secret key stored under alias.
func (c *Credentials) Secret(alias string) ([]byte, bool) {
	i, ok := c.secretIndex[alias]
	if !ok {
		return nil, false
	}
	return cloneBytes(c.secrets[i].value), true
}

// RemoveSecret deletes the secret stored under alias and reports whether
// there was one. The order of the remaining secrets is unchanged.
func (c *Credentials) RemoveSecret(alias string) bool {
	i, ok := c.secretIndex[alias]
	if !ok {
		return false
	}
	c.secrets = append(c.secrets[:i], c.secrets[i+1:]...)
	delete(c.secretIndex, alias)
	for j := i; j < len(c.secrets); j++ {
		c.secretIndex[c.secrets[j].alias] = j
	}
	return true
}

// SecretAliases returns the aliases of all secret keys, in insertion order.
func (c *Credentials) SecretAliases() []string {
	out := make([]string, len(c.secrets))
	for i, e := range c.secrets {
		out[i] = e.alias
	}
	return out
}

// AddAll copies every token and secret of other into c, replacing entries
// with the same alias (like Hadoop's Credentials.addAll).
func (c *Credentials) AddAll(other *Credentials) {
	if other == nil {
		return
	}
	for _, e := range other.tokens {
		c.AddToken(e.alias, e.token)
	}
	for _, e := range other.secrets {
		c.AddSecret(e.alias, e.value)
	}
}

// Clone returns a deep copy of c.
func (c *Credentials) Clone() *Credentials {
	out := &Credentials{}
	out.AddAll(c)
	return out
}

// String lists the aliases and kinds of the tokens and the aliases of the
// secrets, never their bytes, so Credentials can be logged safely.
func (c *Credentials) String() string {
	var sb strings.Builder
	sb.WriteString("Credentials{tokens=[")
	for i, e := range c.tokens {
		if i > 0 {
			sb.WriteString(" ")
		}
		fmt.Fprintf(&sb, "%q:%q", e.alias, e.token.Kind)
	}
	sb.WriteString("] secrets=[")
	for i, e := range c.secrets {
		if i > 0 {
			sb.WriteString(" ")
		}
		fmt.Fprintf(&sb, "%q", e.alias)
	}
	sb.WriteString("]}")
	return sb.String()
}

// Marshal serializes c as a Hadoop token storage blob ("HDTS" + version
// byte + body) in the given format. It fails if an alias, kind or service is
// not valid UTF-8, or if format is unknown.
func (c *Credentials) Marshal(format Format) ([]byte, error) {
	var (
		b   []byte
		err error
	)
	switch format {
	case FormatWritable:
		b, err = c.marshalWritable()
	case FormatProtobuf:
		b, err = c.marshalProto()
	default:
		err = fmt.Errorf("unknown format %d", byte(format))
	}
	if err != nil {
		return nil, fmt.Errorf("marshal credentials: %w", err)
	}
	return b, nil
}

// WriteFile writes c in the given format to path with mode 0600. The file is
// written under a temporary name in the same directory and renamed into
// place, so readers never see a partial file and an existing file's wider
// permissions are not inherited.
func (c *Credentials) WriteFile(path string, format Format) error {
	b, err := c.Marshal(format)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(path, b); err != nil {
		return fmt.Errorf("write credentials file %s: %w", path, err)
	}
	return nil
}

func writeFileAtomic(path string, b []byte) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err = f.Chmod(0o600); err != nil {
		return err
	}
	if _, err = f.Write(b); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// Parse decodes a Hadoop token storage blob of either version (0
// Writable or 1 protobuf). The whole of b must be one blob: trailing bytes
// are an error. Errors name what was being read, e.g.
// "read credentials: token 2 identifier: unexpected end of data"; tokens and
// secrets are numbered from 1. Truncation errors match io.ErrUnexpectedEOF
// with errors.Is.
func Parse(b []byte) (*Credentials, error) {
	c, err := parseCredentials(b)
	if err != nil {
		return nil, fmt.Errorf("read credentials: %w", err)
	}
	return c, nil
}

// Read reads r to its end and decodes the content as
// Parse does. Input longer than MaxCredentialsSize is refused.
func Read(r io.Reader) (*Credentials, error) {
	b, err := readLimited(r)
	if err != nil {
		return nil, fmt.Errorf("read credentials: %w", err)
	}
	return Parse(b)
}

// ReadFile reads and decodes the credentials file at path, e.g.
// os.Getenv("HADOOP_TOKEN_FILE_LOCATION") inside a YARN container.
func ReadFile(path string) (*Credentials, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read credentials: %w", err)
	}
	defer f.Close()
	b, err := readLimited(f)
	if err != nil {
		return nil, fmt.Errorf("read credentials from %s: %w", path, err)
	}
	c, err := parseCredentials(b)
	if err != nil {
		return nil, fmt.Errorf("read credentials from %s: %w", path, err)
	}
	return c, nil
}

func readLimited(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxCredentialsSize+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxCredentialsSize {
		return nil, fmt.Errorf("input larger than %d bytes", MaxCredentialsSize)
	}
	return b, nil
}

func parseCredentials(b []byte) (*Credentials, error) {
	if len(b) < len(credentialsMagic)+1 {
		if !bytes.HasPrefix([]byte(credentialsMagic), b) {
			return nil, fmt.Errorf("bad magic %q, want %q", b[:min(len(b), len(credentialsMagic))], credentialsMagic)
		}
		return nil, fmt.Errorf("header: %w", truncatedError{})
	}
	if string(b[:len(credentialsMagic)]) != credentialsMagic {
		return nil, fmt.Errorf("bad magic %q, want %q", b[:len(credentialsMagic)], credentialsMagic)
	}
	version := Format(b[len(credentialsMagic)])
	body := b[len(credentialsMagic)+1:]
	switch version {
	case FormatWritable:
		return parseWritable(body)
	case FormatProtobuf:
		return parseProto(body)
	}
	return nil, fmt.Errorf("unsupported version %d (want 0 or 1)", byte(version))
}

// truncatedError is returned when the input ends in the middle of a field.
type truncatedError struct{}

func (truncatedError) Error() string { return "unexpected end of data" }

// Is makes errors.Is(err, io.ErrUnexpectedEOF) true for truncation errors.
func (truncatedError) Is(target error) bool { return target == io.ErrUnexpectedEOF }
