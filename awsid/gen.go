package awsid

import (
	crand "crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"sync"
)

// Source fills b with random bytes. It cannot fail: crypto/rand.Read (Go ≥ 1.24)
// and math/rand/v2's ChaCha8.Read never return an error.
type Source func(b []byte)

// CryptoSource is the production Source.
func CryptoSource() Source { return func(b []byte) { _, _ = crand.Read(b) } }

// SeededSource returns a deterministic Source for tests.
func SeededSource(seed uint64) Source {
	var key [32]byte
	for i := range 8 {
		key[i] = byte(seed >> (8 * i))
	}
	c := rand.NewChaCha8(key)
	return func(b []byte) { _, _ = c.Read(b) }
}

// Generator draws every random identifier the emulator hands out from one
// injected source, so tests can make them deterministic.
type Generator struct {
	mu  sync.Mutex
	src Source
}

// NewGenerator returns a Generator over src. src need not be safe for concurrent use.
func NewGenerator(src Source) *Generator { return &Generator{src: src} }

func (g *Generator) read(n int) []byte {
	b := make([]byte, n)
	g.mu.Lock()
	g.src(b)
	g.mu.Unlock()
	return b
}

// UUID returns a random RFC 4122 version 4 UUID (request IDs, update IDs).
func (g *Generator) UUID() string {
	b := g.read(16)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return groups(b)
}

// HexGroups returns 128 random bits grouped 8-4-4-4-12 without version bits, the
// style EKS uses in access-entry ARNs (eks-api.md §2.1).
func (g *Generator) HexGroups() string { return groups(g.read(16)) }

func groups(b []byte) string {
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// IAM unique IDs and access key IDs use upper-case letters and digits 2-7 after
// their four-letter prefix.
const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

func (g *Generator) ident(prefix string, n int) string {
	b := g.read(n)
	out := make([]byte, 0, len(prefix)+n)
	out = append(out, prefix...)
	for _, c := range b {
		out = append(out, idAlphabet[int(c)%len(idAlphabet)])
	}
	return string(out)
}

// Unique-ID and access-key prefixes (IAM User Guide, "Unique identifiers").
const (
	PrefixUser         = "AIDA"
	PrefixRole         = "AROA"
	PrefixAccessKey    = "AKIA"
	PrefixTemporaryKey = "ASIA"
)

// UserID returns a new IAM user unique ID (21 characters, AIDA…).
func (g *Generator) UserID() string { return g.ident(PrefixUser, 17) }

// RoleID returns a new IAM role unique ID (21 characters, AROA…).
func (g *Generator) RoleID() string { return g.ident(PrefixRole, 17) }

// AccessKeyID returns a long-term access key ID (20 characters, AKIA…).
func (g *Generator) AccessKeyID() string { return g.ident(PrefixAccessKey, 16) }

// TemporaryAccessKeyID returns an STS access key ID (20 characters, ASIA…).
func (g *Generator) TemporaryAccessKeyID() string { return g.ident(PrefixTemporaryKey, 16) }

// SecretAccessKey returns a 40-character secret in the alphabet AWS uses.
func (g *Generator) SecretAccessKey() string {
	return base64.StdEncoding.EncodeToString(g.read(30))
}

// SessionToken returns an opaque session token. Like real ones it contains '+',
// '/' and '=' often enough to exercise query encoding.
func (g *Generator) SessionToken() string {
	return "IQoJb3JpZ2luX2VjE" + base64.StdEncoding.EncodeToString(g.read(181))
}

// ClusterID returns the 32 upper-case hex digits EKS puts in endpoints and OIDC issuers.
func (g *Generator) ClusterID() string {
	return fmt.Sprintf("%X", g.read(16))
}
