package acl

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"hash"
	"io"
	"slices"
	"sync"

	"github.com/rocketstore/rocketstore/remoting"
)

// The ext fields that carry a request's credentials (RocketMQ's
// SessionCredentials).
const (
	FieldAccessKey     = "AccessKey"
	FieldSignature     = "Signature"
	FieldSecurityToken = "SecurityToken"
)

// uniqueKeyQueryField is MixAll.UNIQUE_MSG_QUERY_FLAG, which RocketMQ
// brokers up to 4.9.3 leave out of the signed content.
const uniqueKeyQueryField = "_UNIQUE_KEY_QUERY"

// Sign adds credentials to cmd as RocketMQ clients do (Java's
// AclClientRPCHook): AccessKey is set, then Signature becomes
// Base64(HMAC-SHA1(secretKey, content)), where content is the values of
// every ext field but Signature, in the byte order of their keys,
// concatenated, followed by the body. Sign after the last change to the
// header or the body; a later change invalidates the signature.
func Sign(cmd *remoting.Command, accessKey, secretKey string) {
	cmd.Set(FieldAccessKey, accessKey)
	delete(cmd.ExtFields, FieldSignature)
	cmd.Set(FieldSignature, signature(cmd, secretKey, nil))
}

// signature computes the signature of cmd's fields but Signature and the
// keys in skip, and its body. Every request a broker with ACL takes goes
// through it, so the keyed HMACs are reused (macs) and the keys sorted in
// a buffer from a pool.
func signature(cmd *remoting.Command, secretKey string, skip []string) string {
	mac := macs.get(secretKey)
	defer macs.put(secretKey, mac)
	keys := keyBuffers.Get().(*[]string)
	defer keyBuffers.Put(keys)
	*keys = appendSortedKeys((*keys)[:0], cmd.ExtFields)
	for _, k := range *keys {
		if k == FieldSignature || slices.Contains(skip, k) {
			continue
		}
		// hash.Hash writes never fail.
		_, _ = io.WriteString(mac, cmd.ExtFields[k])
	}
	mac.Write(cmd.Body)
	var sum [sha1.Size]byte
	return base64.StdEncoding.EncodeToString(mac.Sum(sum[:0]))
}

// keyBuffers holds the buffers signature sorts a request's keys in.
var keyBuffers = sync.Pool{New: func() any { return new([]string) }}

// macPool keeps HMAC-SHA1 states keyed by each secret key in use, reset
// between uses: keying one costs two hash blocks and two allocations.
type macPool struct{ bySecret sync.Map } // secret key → *sync.Pool of hash.Hash

var macs macPool

func (p *macPool) get(secret string) hash.Hash {
	if pool, ok := p.bySecret.Load(secret); ok {
		if h, ok := pool.(*sync.Pool).Get().(hash.Hash); ok {
			h.Reset()
			return h
		}
	}
	return hmac.New(sha1.New, []byte(secret))
}

func (p *macPool) put(secret string, h hash.Hash) {
	pool, ok := p.bySecret.Load(secret)
	if !ok {
		pool, _ = p.bySecret.LoadOrStore(secret, &sync.Pool{})
	}
	pool.(*sync.Pool).Put(h)
}

// sortedKeys returns m's keys in byte order. Java's TreeMap orders by
// UTF-16 code units, which agrees for every key RocketMQ sends (ASCII).
func sortedKeys(m map[string]string) []string {
	return appendSortedKeys(make([]string, 0, len(m)), m)
}

// appendSortedKeys appends m's keys to keys and sorts them.
func appendSortedKeys(keys []string, m map[string]string) []string {
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// signatureMatches reports whether cmd's Signature was made with
// secretKey. It accepts the content every known client signs:
//
//   - every field but Signature: Java clients, RocketMQ 5 brokers, and
//     rocketmq-client-go without a security token;
//   - without _UNIQUE_KEY_QUERY: what brokers up to 4.9.3 expect;
//   - without SecurityToken: rocketmq-client-go v2.1.2 puts the token in
//     the request but leaves it out of what it signs.
//
// Each variant is keyed by the same secret, so accepting several lets no
// one without the secret sign anything.
func signatureMatches(cmd *remoting.Command, secretKey string) bool {
	got, ok := cmd.Lookup(FieldSignature)
	if !ok {
		return false
	}
	var optional []string
	for _, k := range []string{uniqueKeyQueryField, FieldSecurityToken} {
		if _, present := cmd.ExtFields[k]; present {
			optional = append(optional, k)
		}
	}
	// Every subset of the optional keys, the empty one (the canonical
	// content) first.
	for mask := 0; mask < 1<<len(optional); mask++ {
		var skip []string
		for i, k := range optional {
			if mask&(1<<i) != 0 {
				skip = append(skip, k)
			}
		}
		want := signature(cmd, secretKey, skip)
		if subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1 {
			return true
		}
	}
	return false
}
