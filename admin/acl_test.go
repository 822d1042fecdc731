package admin_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rocketstore/rocketstore/admin"
	"github.com/rocketstore/rocketstore/nameserver"
	"github.com/rocketstore/rocketstore/remoting"
)

// With ACL on, a name server's admin requests need an admin account's
// signature: the client signs every request when given keys.
func TestRequestsAreSignedWithTheAccountKeys(t *testing.T) {
	dir := t.TempDir()
	aclFile := filepath.Join(dir, "plain_acl.yml")
	if err := os.WriteFile(aclFile, []byte("accounts:\n  - accessKey: opsAdmin\n    secretKey: opsSecret123\n    admin: true\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ns := nameserver.New(&nameserver.Options{ACLEnable: true, ACLFile: aclFile, KVConfigPath: filepath.Join(dir, "kv.json")})
	if err := ns.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer ns.Close()

	res, err := newClient(t, ns.Addr()).WipeWritePerm(ctxT(t), "broker-a")
	if err != nil || len(res) != 1 || !admin.IsCode(res[0].Err, remoting.ResponseNoPermission) {
		t.Fatalf("unsigned: %+v, %v", res, err)
	}
	signed := admin.New(&admin.Options{NameServers: []string{ns.Addr()}, AccessKey: "opsAdmin", SecretKey: "opsSecret123"})
	defer signed.Close()
	if res, err = signed.WipeWritePerm(ctxT(t), "broker-a"); err != nil || res[0].Err != nil {
		t.Fatalf("signed by the admin account: %+v, %v", res, err)
	}
	wrong := admin.New(&admin.Options{NameServers: []string{ns.Addr()}, AccessKey: "opsAdmin", SecretKey: "guess"})
	defer wrong.Close()
	if res, err = wrong.WipeWritePerm(ctxT(t), "broker-a"); err != nil || !admin.IsCode(res[0].Err, remoting.ResponseNoPermission) {
		t.Fatalf("a wrong secret: %+v, %v", res, err)
	}
}
