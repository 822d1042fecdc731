package ha

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"time"
)

// The handshake of trusted peers. When master and slave share a secret
// (MasterOptions.Secret, SlaveOptions.Secret), every connection starts
// with a challenge-response in both directions before RocketMQ's reports
// and frames, which then follow unchanged:
//
//	master -> slave   "RSHA" | version (4) | master nonce (32)
//	slave -> master   slave nonce (32) | HMAC-SHA256(secret, "rocketstore-ha-v1 slave" | master nonce | slave nonce)
//	master -> slave   HMAC-SHA256(secret, "rocketstore-ha-v1 master" | master nonce | slave nonce)
//
// Fresh nonces on both sides make every proof good for one connection
// only, so a recorded handshake cannot be replayed; the master's proof
// keeps a slave from following a master that does not know the secret.
// The handshake authenticates the peers, not the bytes after it: a network
// attacker in the middle needs TLS to be kept out, which this does not
// provide.
const (
	authMagic     = "RSHA"
	authVersion   = 1
	nonceSize     = 32
	challengeSize = len(authMagic) + 4 + nonceSize
	proofSize     = sha256.Size
	answerSize    = nonceSize + proofSize
)

// ErrAuth is wrapped by the error of a handshake whose peer failed to prove
// it knows the secret (or spoke no handshake at all).
var ErrAuth = errors.New("ha: peer authentication failed")

// authDomain separates the two proofs and this use of the secret from any
// other.
var (
	slaveDomain  = []byte("rocketstore-ha-v1 slave")
	masterDomain = []byte("rocketstore-ha-v1 master")
)

func proof(secret string, domain, masterNonce, slaveNonce []byte) []byte {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(domain)
	mac.Write(masterNonce)
	mac.Write(slaveNonce)
	return mac.Sum(nil)
}

func newNonce() []byte {
	b := make([]byte, nonceSize)
	// crypto/rand.Read never returns an error (Go 1.24+).
	_, _ = rand.Read(b)
	return b
}

// authenticateSlave runs the master's side of the handshake on conn within
// timeout: it challenges, checks the slave's proof, then proves itself.
func authenticateSlave(conn net.Conn, secret string, timeout time.Duration) error {
	if err := conn.SetDeadline(time.Now().Add(timeout)); err != nil {
		return err
	}
	masterNonce := newNonce()
	challenge := make([]byte, 0, challengeSize)
	challenge = append(challenge, authMagic...)
	challenge = binary.BigEndian.AppendUint32(challenge, authVersion)
	challenge = append(challenge, masterNonce...)
	if _, err := conn.Write(challenge); err != nil {
		return err
	}
	var answer [answerSize]byte
	if _, err := io.ReadFull(conn, answer[:]); err != nil {
		return fmt.Errorf("%w: no answer to the challenge: %w", ErrAuth, err)
	}
	slaveNonce, got := answer[:nonceSize], answer[nonceSize:]
	if !hmac.Equal(got, proof(secret, slaveDomain, masterNonce, slaveNonce)) {
		return fmt.Errorf("%w: the slave's proof does not match the cluster secret", ErrAuth)
	}
	if _, err := conn.Write(proof(secret, masterDomain, masterNonce, slaveNonce)); err != nil {
		return err
	}
	return conn.SetDeadline(time.Time{})
}

// authenticateMaster runs the slave's side of the handshake on conn within
// timeout: it answers the challenge and checks the master's proof.
func authenticateMaster(conn net.Conn, secret string, timeout time.Duration) error {
	if err := conn.SetDeadline(time.Now().Add(timeout)); err != nil {
		return err
	}
	var challenge [challengeSize]byte
	if _, err := io.ReadFull(conn, challenge[:]); err != nil {
		return fmt.Errorf("%w: no challenge from the master (is its secret set?): %w", ErrAuth, err)
	}
	if string(challenge[:len(authMagic)]) != authMagic {
		return fmt.Errorf("%w: the master sent no challenge (is its secret set?)", ErrAuth)
	}
	if v := binary.BigEndian.Uint32(challenge[len(authMagic):]); v != authVersion {
		return fmt.Errorf("%w: handshake version %d, want %d", ErrAuth, v, authVersion)
	}
	masterNonce := challenge[len(authMagic)+4:]
	slaveNonce := newNonce()
	answer := append(slaveNonce, proof(secret, slaveDomain, masterNonce, slaveNonce)...)
	if _, err := conn.Write(answer); err != nil {
		return err
	}
	var got [proofSize]byte
	if _, err := io.ReadFull(conn, got[:]); err != nil {
		return fmt.Errorf("%w: the master did not prove itself: %w", ErrAuth, err)
	}
	if !hmac.Equal(got[:], proof(secret, masterDomain, masterNonce, slaveNonce)) {
		return fmt.Errorf("%w: the master's proof does not match the cluster secret", ErrAuth)
	}
	return conn.SetDeadline(time.Time{})
}
