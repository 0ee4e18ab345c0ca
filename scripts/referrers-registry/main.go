// Command referrers-registry serves an in-memory OCI registry that has the referrers API
// (go-containerregistry's pkg/registry with referrers support), for the attestation tests:
// Debian's distribution 2.8 has no referrers API. It listens on the loopback address given by
// -addr (port 0: a free one) and prints the address it listens on, then serves until killed.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"

	"github.com/google/go-containerregistry/pkg/registry"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "loopback address to listen on")
	flag.Parse()
	listener, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Fprintln(os.Stdout, listener.Addr().String())
	handler := registry.New(registry.WithReferrersSupport(true), registry.Logger(log.New(os.Stderr, "", log.LstdFlags)))
	log.Fatal(http.Serve(listener, handler))
}
