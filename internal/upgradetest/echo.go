// Package upgradetest is an upstream for tests of connection upgrades
// through the consent middleware: it hijacks the connection the way a
// websocket server does, without a websocket library.
package upgradetest

import (
	"net/http"
	"strings"
)

// Echo answers an "Upgrade: echo" request with 101, hijacks the connection
// and echoes lines prefixed with "echo: ".
func Echo(w http.ResponseWriter, r *http.Request) {
	if !strings.EqualFold(r.Header.Get("Upgrade"), "echo") {
		http.Error(w, "upgrade required", http.StatusUpgradeRequired)
		return
	}
	conn, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	defer conn.Close()
	_, _ = brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
	_ = brw.Flush()
	for {
		line, err := brw.ReadString('\n')
		if err != nil {
			return
		}
		_, _ = brw.WriteString("echo: " + line)
		_ = brw.Flush()
	}
}
