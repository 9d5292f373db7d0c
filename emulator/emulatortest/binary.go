package emulatortest

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// built is the binary Binary built, once per test process: parallel tests
// starting emulators with Kubernetes would otherwise run go build at the same
// time, onto the same file.
var built struct {
	sync.Mutex
	path string
}

// Binary returns the path of an eksemu binary for cluster processes: $EKSEMU_BIN
// when set (make test builds one first), else one built from this module into
// a per-module cache directory (go build relinks only when sources changed),
// once per test process.
func Binary(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("EKSEMU_BIN"); p != "" {
		return p
	}
	built.Lock()
	defer built.Unlock()
	if built.path != "" {
		return built.path
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
	bin := filepath.Join(os.TempDir(), "eksemu-test-"+hex.EncodeToString(sum[:6]), "eksemu")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/eksemu")
	cmd.Dir = filepath.Dir(mod)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("emulatortest: building eksemu: %v\n%s", err, out)
	}
	built.path = bin
	return bin
}
