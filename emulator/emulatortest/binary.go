package emulatortest

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// Binary returns the path of an eksemu binary for cluster processes: $EKSEMU_BIN
// when set (make test builds one first), else one built from this module into
// a per-module cache directory. Builds are serialized with a file lock across
// all test processes (go test runs packages in parallel): the first links, the
// others find the binary up to date.
func Binary(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("EKSEMU_BIN"); p != "" {
		return p
	}
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("emulatortest: go env GOMOD: %v", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		t.Fatalf("emulatortest: not inside the eksemu module; set EKSEMU_BIN")
	}
	sum := sha256.Sum256([]byte(mod))
	dir := filepath.Join(os.TempDir(), "eksemu-test-"+hex.EncodeToString(sum[:6]))
	bin := filepath.Join(dir, "eksemu")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("emulatortest: %v", err)
	}
	lock, err := os.OpenFile(filepath.Join(dir, "build.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		t.Fatalf("emulatortest: %v", err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatalf("emulatortest: locking %s: %v", lock.Name(), err)
	}
	defer func() { _ = syscall.Flock(int(lock.Fd()), syscall.LOCK_UN) }()
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/eksemu")
	cmd.Dir = filepath.Dir(mod)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("emulatortest: building eksemu: %v\n%s", err, out)
	}
	return bin
}
