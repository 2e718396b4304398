//go:build !linux

package ptytest

import (
	"errors"
	"os"
)

// Open is only implemented on Linux; tests skip elsewhere.
func Open() (master, tty *os.File, err error) {
	return nil, nil, errors.New("pseudo-terminals are opened on Linux only")
}
