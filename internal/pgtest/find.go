package pgtest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
)

// ErrNoPostgres is returned by New when PostgreSQL cannot be run here: its
// binaries are missing, or the process is root and there is no postgres
// user to run them as.
var ErrNoPostgres = errors.New("pgtest: PostgreSQL is not available")

// BinDirEnv names the environment variable that, when set, is the directory
// holding initdb and postgres.
const BinDirEnv = "PGTEST_BINDIR"

// binaries are what pgtest runs.
var binaries = []string{"initdb", "postgres"}

// findBinDir returns the directory holding initdb and postgres: $PGTEST_BINDIR,
// then the directory of initdb on $PATH, then the highest version under
// /usr/lib/postgresql/*/bin (Debian and Ubuntu).
func findBinDir() (string, error) {
	if dir := os.Getenv(BinDirEnv); dir != "" {
		if !hasBinaries(dir) {
			return "", fmt.Errorf("%w: $%s is %s, which lacks %s", ErrNoPostgres, BinDirEnv, dir, strings.Join(binaries, " or "))
		}
		return dir, nil
	}
	if p, err := exec.LookPath("initdb"); err == nil && hasBinaries(filepath.Dir(p)) {
		return filepath.Dir(p), nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sortByVersion(dirs)
	for _, dir := range dirs {
		if hasBinaries(dir) {
			return dir, nil
		}
	}
	return "", fmt.Errorf("%w: no initdb and postgres on $PATH or in /usr/lib/postgresql/*/bin (install the postgresql package, or set $%s)", ErrNoPostgres, BinDirEnv)
}

// hasBinaries reports whether dir holds every binary pgtest runs.
func hasBinaries(dir string) bool {
	for _, b := range binaries {
		fi, err := os.Stat(filepath.Join(dir, b))
		if err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
			return false
		}
	}
	return true
}

// version is the numbers of the version directory above bin:
// /usr/lib/postgresql/15/bin is [15], 9.6 is [9 6].
func version(bin string) []int {
	var v []int
	for f := range strings.SplitSeq(filepath.Base(filepath.Dir(bin)), ".") {
		n, err := strconv.Atoi(f)
		if err != nil {
			return nil
		}
		v = append(v, n)
	}
	return v
}

// sortByVersion sorts version bin directories highest version first.
func sortByVersion(dirs []string) {
	slices.SortFunc(dirs, func(a, b string) int { return slices.Compare(version(b), version(a)) })
}

// runAs is the credential to run PostgreSQL with: nil unless the process
// is root, which PostgreSQL refuses, and then the postgres user's.
func runAs() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("%w: running as root, and PostgreSQL refuses root, but there is no postgres user to run it as: %v", ErrNoPostgres, err)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err := errors.Join(err1, err2); err != nil {
		return nil, fmt.Errorf("pgtest: user postgres: %w", err)
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}
