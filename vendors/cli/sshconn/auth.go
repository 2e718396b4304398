package sshconn

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"regexp"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// passwordQuestion recognises the password prompt of keyboard-interactive
// authentication when the server marks it as echoed.
var passwordQuestion = regexp.MustCompile(`(?i)pass(word|code|phrase)?\s*:?\s*$`)

// maxKbdRounds bounds keyboard-interactive rounds: a server that asks again
// after a wrong password must not loop until the timeout.
const maxKbdRounds = 3

// auth holds the methods for one Dial. Their names (never the secrets)
// go into the error when every method is refused.
type auth struct {
	methods []ssh.AuthMethod
	names   []string
	agent   net.Conn // closed after the handshake
}

func (a *auth) close() {
	if a.agent != nil {
		a.agent.Close()
	}
}

func newAuth(cfg Config, log *slog.Logger) (*auth, error) {
	a := &auth{}
	var signers []ssh.Signer
	if cfg.KeyFile != "" {
		s, err := cfg.Cache.signer(cfg.KeyFile, cfg.KeyPassphrase)
		if err != nil {
			return nil, err
		}
		signers = append(signers, s)
		a.names = append(a.names, "publickey ("+cfg.KeyFile+")")
	}
	if sock := os.Getenv("SSH_AUTH_SOCK"); sock != "" {
		conn, err := net.DialTimeout("unix", sock, 2*time.Second)
		if err != nil {
			log.Debug("ssh-agent unreachable, not using it", "socket", sock, "err", err)
		} else {
			as, err := agent.NewClient(conn).Signers()
			if err != nil || len(as) == 0 {
				conn.Close()
				log.Debug("ssh-agent has no usable keys", "socket", sock, "err", err)
			} else {
				a.agent = conn
				signers = append(signers, as...)
				a.names = append(a.names, fmt.Sprintf("publickey (ssh-agent, %d keys)", len(as)))
			}
		}
	}
	if len(signers) > 0 {
		a.methods = append(a.methods, ssh.PublicKeys(signers...))
	}
	if cfg.Password != "" {
		pw := cfg.Password
		a.methods = append(a.methods, ssh.Password(pw))
		rounds := 0
		a.methods = append(a.methods, ssh.KeyboardInteractive(
			func(_, _ string, questions []string, echos []bool) ([]string, error) {
				if rounds++; rounds > maxKbdRounds {
					return nil, errors.New("keyboard-interactive: too many rounds")
				}
				answers := make([]string, len(questions))
				for i, q := range questions {
					if echos[i] && !passwordQuestion.MatchString(q) {
						return nil, fmt.Errorf("keyboard-interactive: cannot answer %q", q)
					}
					answers[i] = pw
				}
				return answers, nil
			}))
		a.names = append(a.names, "password", "keyboard-interactive")
	}
	if len(a.methods) == 0 {
		return nil, errors.New("no credentials: set a key file or a password, or run an ssh-agent")
	}
	return a, nil
}

// loadKey reads a private key, decrypting it with passphrase when needed.
func loadKey(path, passphrase string) (ssh.Signer, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("key file: %w", err)
	}
	s, err := ssh.ParsePrivateKey(pem)
	var missing *ssh.PassphraseMissingError
	switch {
	case err == nil:
		return s, nil
	case !errors.As(err, &missing):
		return nil, fmt.Errorf("key file %s: %w", path, err)
	case passphrase == "":
		return nil, fmt.Errorf("key file %s is encrypted and no passphrase is set", path)
	}
	s, err = ssh.ParsePrivateKeyWithPassphrase(pem, []byte(passphrase))
	if err != nil {
		// x509.IncorrectPasswordError for a wrong passphrase; the
		// message never contains the passphrase itself.
		return nil, fmt.Errorf("key file %s: cannot decrypt with the given passphrase: %w", path, err)
	}
	return s, nil
}
