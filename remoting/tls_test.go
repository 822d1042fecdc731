package remoting

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"testing"
	"time"
)

// selfSigned returns a server certificate for 127.0.0.1 and a pool that
// trusts it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "rocketstore test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}, roots
}

// TestTLS: with TLSConfig on both sides, calls work in both encodings and
// the handler sees a TLS connection; a client that does not trust the
// certificate, never starts its handshake or speaks plain TCP gets no
// service and the server goes on.
func TestTLS(t *testing.T) {
	cert, roots := selfSigned(t)
	sawTLS := make(chan bool, 4)
	logs := &logBuffer{}
	s := startServer(t, ServerOptions{
		TLSConfig:        &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
		Logger:           logs.logger(),
		FrameReadTimeout: 2 * time.Second, // a handshake under the race detector takes a while
	}, map[int16]Handler{61: func(c *Conn, req *Command) *Command {
		_, ok := c.TLS()
		sawTLS <- ok
		return echoHandler(c, req)
	}})
	for _, st := range []SerializeType{JSON, RocketMQ} {
		cl := NewClient(ClientOptions{SerializeType: st, TLSConfig: &tls.Config{RootCAs: roots}})
		resp := call(t, cl, s.Addr(), NewRequest(61, map[string]string{"k": "v"}, []byte("secret")))
		if resp.ExtFields["k"] != "v" || string(resp.Body) != "secret" || !<-sawTLS {
			t.Fatalf("%v over TLS: %v", st, resp)
		}
		cl.Close()
	}

	untrusting := NewClient(ClientOptions{TLSConfig: &tls.Config{RootCAs: x509.NewCertPool()}})
	defer untrusting.Close()
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := untrusting.InvokeSync(c, s.Addr(), NewRequest(1, nil, nil)); err == nil {
		t.Fatal("a client that does not trust the certificate was served")
	}
	logs.waitFor(t, "tls handshake failed; connection dropped", "bad certificate")

	silent := dialRaw(t, s.Addr()) // never starts its handshake
	if !silent.closedByServer() {
		t.Fatal("a connection that never finished its handshake stayed open")
	}
	logs.waitFor(t, "frame not completed in time")

	plain := dialRaw(t, s.Addr())
	plain.send(mustEncode(t, &Command{Code: 1, Opaque: 1}, JSON))
	if !plain.closedByServer() {
		t.Fatal("a plain TCP client stayed connected to the TLS server")
	}
	cl := NewClient(ClientOptions{TLSConfig: &tls.Config{RootCAs: roots}})
	defer cl.Close()
	call(t, cl, s.Addr(), NewRequest(1, nil, nil))
}
