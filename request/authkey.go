package request

import (
	"bufio"
	"errors"
	"io"
	"strings"

	"github.com/signetbox/signet/api"
	"github.com/signetbox/signet/internal/cli"
)

// WrapAuthKey builds the wrap-authkey request of the pre-auth key on the
// first line of stdin. No error repeats the input: it may be a secret.
func WrapAuthKey(stdin io.Reader) (*api.Request, error) {
	line, err := bufio.NewReader(stdin).ReadString('\n')
	key := strings.TrimSpace(line)
	switch {
	case key == "" && err != nil:
		return nil, cli.Usage(errors.New("no pre-auth key on standard input; pipe it in, e.g. signet wrap-authkey < authkey.txt"))
	case !strings.HasPrefix(key, "tskey-"):
		return nil, cli.Usage(errors.New("standard input holds no pre-auth key: it must start with tskey- (the input is not shown)"))
	case strings.Contains(key, "--TL"):
		return nil, cli.Usage(errors.New("that pre-auth key is wrapped already: wrap the plain tskey-auth- key (the input is not shown)"))
	}
	return &api.Request{Kind: api.KindWrapAuthKey, AuthKey: key}, nil
}
