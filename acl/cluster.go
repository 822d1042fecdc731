package acl

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"sync"
	"time"

	"github.com/rocketstore/rocketstore/remoting"
)

// Trusted peers. Brokers of one deployment share a cluster secret; a
// request that changes the name server's routes (REGISTER_BROKER,
// UNREGISTER_BROKER, ...) carries an HMAC keyed by it, so that no one
// without the secret can register a broker or remove one. This is
// rocketstore's own scheme (RocketMQ has none), designed to avoid the
// weaknesses of RocketMQ's request signature:
//
//	ClusterTimestamp  Unix milliseconds when signed; requests older or
//	                  newer than the verifier's MaxSkew are refused
//	ClusterNonce      16 random hex digits; a nonce seen within the skew
//	                  window is a replay and is refused
//	ClusterSignature  base64(HMAC-SHA256(secret, content))
//
// content is "rocketstore-cluster-v1", the request code (2 bytes), then
// for every ext field in byte order of keys, except ClusterSignature and
// the ACL credentials (AccessKey, Signature, SecurityToken): the key's
// length (4 bytes), the key, the value's length (4 bytes), the value; then
// the body's length (4 bytes) and the body. Integers are big-endian.
// Lengths make the encoding unambiguous, and the code is covered, so a
// signature made for one request cannot be moved to another (RocketMQ's
// signature covers neither).
//
// A request signed both ways is signed with the cluster secret first and
// with ACL credentials (Sign) last: the ACL signature covers every field
// but its own, cluster fields included, and the cluster MAC leaves the
// ACL fields out, so each verifies regardless of the other.

// The ext fields of the cluster signature.
const (
	FieldClusterTimestamp = "ClusterTimestamp"
	FieldClusterNonce     = "ClusterNonce"
	FieldClusterSignature = "ClusterSignature"
)

// DefaultClusterMaxSkew is how far a signed request's timestamp may be
// from the verifier's clock.
const DefaultClusterMaxSkew = 5 * time.Minute

// clusterDomain separates this MAC from any other use of the secret.
const clusterDomain = "rocketstore-cluster-v1"

// Why a request's cluster signature was refused. Verify wraps one of them.
var (
	ErrClusterUnsigned     = errors.New("acl: request not signed with the cluster secret")
	ErrClusterBadSignature = errors.New("acl: cluster signature mismatch")
	ErrClusterStale        = errors.New("acl: cluster signature timestamp outside the allowed skew")
	ErrClusterReplay       = errors.New("acl: cluster signature replayed")
)

// SignCluster signs cmd with the cluster secret at time now. Sign after
// the last change to the header and body, and before Sign.
func SignCluster(cmd *remoting.Command, secret string, now time.Time) {
	var nonce [8]byte
	// crypto/rand.Read never returns an error (Go 1.24+).
	_, _ = rand.Read(nonce[:])
	delete(cmd.ExtFields, FieldClusterSignature)
	cmd.Set(FieldClusterTimestamp, strconv.FormatInt(now.UnixMilli(), 10))
	cmd.Set(FieldClusterNonce, hex.EncodeToString(nonce[:]))
	cmd.Set(FieldClusterSignature, base64.StdEncoding.EncodeToString(clusterMAC(cmd, []byte(secret))))
}

// clusterMAC computes the cluster MAC of cmd.
func clusterMAC(cmd *remoting.Command, secret []byte) []byte {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(clusterDomain))
	var b [4]byte
	binary.BigEndian.PutUint16(b[:2], uint16(cmd.Code))
	mac.Write(b[:2])
	for _, k := range sortedKeys(cmd.ExtFields) {
		switch k {
		case FieldClusterSignature, FieldAccessKey, FieldSignature, FieldSecurityToken:
			continue
		}
		writeLenPrefixed(mac, []byte(k))
		writeLenPrefixed(mac, []byte(cmd.ExtFields[k]))
	}
	writeLenPrefixed(mac, cmd.Body)
	return mac.Sum(nil)
}

func writeLenPrefixed(h hash.Hash, p []byte) {
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(p)))
	h.Write(n[:])
	h.Write(p)
}

// ClusterVerifier checks cluster signatures and remembers the nonces of
// the skew window. It is safe for concurrent use.
type ClusterVerifier struct {
	secret  []byte
	maxSkew time.Duration
	now     func() time.Time

	mu        sync.Mutex
	seen      map[string]time.Time // nonce -> when it leaves the window
	nextPrune int
}

// NewClusterVerifier returns a verifier for secret. maxSkew <= 0 means
// DefaultClusterMaxSkew; now nil means time.Now.
func NewClusterVerifier(secret string, maxSkew time.Duration, now func() time.Time) *ClusterVerifier {
	if maxSkew <= 0 {
		maxSkew = DefaultClusterMaxSkew
	}
	if now == nil {
		now = time.Now
	}
	return &ClusterVerifier{secret: []byte(secret), maxSkew: maxSkew, now: now, seen: make(map[string]time.Time), nextPrune: 1024}
}

// Verify checks cmd's cluster signature, its timestamp and that its nonce
// was not seen before.
func (v *ClusterVerifier) Verify(cmd *remoting.Command) error {
	sig, hasSig := cmd.Lookup(FieldClusterSignature)
	tsText, hasTS := cmd.Lookup(FieldClusterTimestamp)
	nonce, hasNonce := cmd.Lookup(FieldClusterNonce)
	if !hasSig || !hasTS || !hasNonce {
		return ErrClusterUnsigned
	}
	got, err := base64.StdEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, clusterMAC(cmd, v.secret)) {
		return ErrClusterBadSignature
	}
	ms, err := strconv.ParseInt(tsText, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: %s %q is not a number", ErrClusterStale, FieldClusterTimestamp, tsText)
	}
	now, signed := v.now(), time.UnixMilli(ms)
	if skew := now.Sub(signed).Abs(); skew > v.maxSkew {
		return fmt.Errorf("%w: signed at %s, %v from this clock (allowed %v)", ErrClusterStale,
			signed.UTC().Format(time.RFC3339Nano), skew.Round(time.Millisecond), v.maxSkew)
	}
	return v.remember(nonce, signed.Add(v.maxSkew), now)
}

// remember records nonce until expires, refusing one already recorded.
func (v *ClusterVerifier) remember(nonce string, expires, now time.Time) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if _, replay := v.seen[nonce]; replay {
		return ErrClusterReplay
	}
	if len(v.seen) >= v.nextPrune {
		for n, exp := range v.seen {
			if now.After(exp) {
				delete(v.seen, n)
			}
		}
		v.nextPrune = max(1024, 2*len(v.seen))
	}
	v.seen[nonce] = expires
	return nil
}
