//go:build !unix

package consentlog

import "os"

// lockFile is a no-op where flock is missing: there, two Logs must not
// share a spool directory.
func lockFile(*os.File) error { return nil }

func unlockFile(*os.File) {}

func syncDir(string) error { return nil }
