package consentlog

import "bytes"

type bytesBuffer struct{ bytes.Buffer }
