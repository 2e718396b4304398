// Command floor is the protocol's floor for the fleet benchmark: a bare
// gosnmp program that sends each switch of a lab inventory the same
// requests as qosagent's GS110TP audit with the default policy (a GETBULK of
// the 64 global DSCP rows; a GETBULK of the queue count and the trust and
// scheduler columns; a GET of the policy's DSCP rows of every interface), at
// the same concurrency, checks that the answers are there, and does nothing else:
// no policy, no report, no history. bench/run.sh runs it under
// /usr/bin/time beside each audit, and qosagent's CPU per switch is compared
// with this one's.
//
//	go run ./bench/floor -i /tmp/lab.yaml --concurrency 256
//
// It reads the lab's inventory by lines (address: and community_file:), not
// with qosagent's loader, so that none of qosagent's code is in the floor.
// Like qosagent it keeps one gosnmp client per worker and gives it a new
// socket per switch.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gosnmp/gosnmp"
)

// The OIDs of mibs (NETGEAR-QOS-COS-MIB), spelt out so that the floor
// imports nothing of qosagent.
const (
	dscpColumn  = "1.3.6.1.4.1.4526.11.3.3.1.2.1.3"
	trustColumn = "1.3.6.1.4.1.4526.11.3.3.1.3.1.2"
	numQueues   = "1.3.6.1.4.1.4526.11.3.3.2.1"
	schedColumn = "1.3.6.1.4.1.4526.11.3.3.2.4.1.2"
)

// policyDSCP are the DSCP values of the default policy's classes (EF, AF41,
// CS3, default), whose per-interface rows the audit reads.
var policyDSCP = []int{46, 34, 24, 0}

func main() {
	inv := flag.String("i", "", "lab inventory (written by bench/labserver or qosagent lab)")
	conc := flag.Int("concurrency", 128, "switches in flight at once")
	reps := flag.Int("max-repetitions", 64, "GETBULK max-repetitions, as the inventory's default")
	timeout := flag.Duration("timeout", time.Second, "per request")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile here")
	flag.Parse()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "floor:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	addrs, community, err := readLab(*inv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(3)
	}
	start := time.Now()
	var failed, varbinds atomic.Int64
	jobs := make(chan string, *conc)
	var wg sync.WaitGroup
	for range *conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			g := &gosnmp.GoSNMP{Transport: "udp", Version: gosnmp.Version2c, Community: community,
				Timeout: *timeout, Retries: 1, MaxOids: gosnmp.MaxOids}
			first := true
			for a := range jobs {
				n, err := one(g, a, uint32(*reps), &first) //nolint:gosec // flag
				if err != nil {
					failed.Add(1)
					continue
				}
				varbinds.Add(int64(n))
			}
		}()
	}
	for _, a := range addrs {
		jobs <- a
	}
	close(jobs)
	wg.Wait()
	out, _ := json.Marshal(map[string]any{"switches": len(addrs), "failed": failed.Load(), "varbinds": varbinds.Load(),
		"concurrency": *conc, "wall_seconds": time.Since(start).Seconds()})
	fmt.Println(string(out))
	if failed.Load() > 0 {
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

// one reads one switch: a socket, two GETBULKs and a GET, close.
func one(g *gosnmp.GoSNMP, addr string, reps uint32, first *bool) (int, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return 0, err
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		return 0, err
	}
	g.Target, g.Port = host, uint16(p) //nolint:gosec // a port
	if *first {
		// Connect allocates gosnmp's receive buffer; later switches get a
		// socket only, as qosagent's pooled clients do.
		if err := g.Connect(); err != nil {
			return 0, err
		}
		*first = false
	} else {
		c, err := net.DialTimeout("udp", addr, g.Timeout)
		if err != nil {
			return 0, err
		}
		g.Conn = c
	}
	defer g.Conn.Close()
	pkt, err := g.GetBulk([]string{dscpColumn + ".0"}, 0, min(reps, 64))
	if err != nil {
		return 0, err
	}
	if len(pkt.Variables) < int(min(reps, 64)) {
		return 0, fmt.Errorf("%s: %d DSCP rows", addr, len(pkt.Variables))
	}
	n := len(pkt.Variables)
	// The queue count (a non-repeater), then the trust and scheduler
	// columns interleaved: every interface's rows.
	pkt, err = g.GetBulk([]string{numQueues, trustColumn, schedColumn}, 1, reps)
	if err != nil {
		return 0, err
	}
	if len(pkt.Variables) < 3 {
		return 0, fmt.Errorf("%s: %d varbinds", addr, len(pkt.Variables))
	}
	n += len(pkt.Variables)
	// The policy's DSCP rows of every interface the trust column named, in
	// GETs of at most MaxOids varbinds.
	var oids []string
	for i, v := range pkt.Variables[1:] {
		idx, ok := strings.CutPrefix(strings.TrimPrefix(v.Name, "."), trustColumn+".")
		if i%2 != 0 || !ok || idx == "0" {
			continue
		}
		for _, d := range policyDSCP {
			oids = append(oids, dscpColumn+"."+idx+"."+strconv.Itoa(d))
		}
	}
	for start := 0; start < len(oids); start += gosnmp.MaxOids {
		pkt, err = g.Get(oids[start:min(start+gosnmp.MaxOids, len(oids))])
		if err != nil {
			return 0, err
		}
		n += len(pkt.Variables)
	}
	return n, nil
}

// readLab takes the GS110TPs' addresses and the community from a lab
// inventory: its "address:" lines, and the file of its community_file.
func readLab(path string) ([]string, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	var addrs []string
	var commFile string
	sc := bufio.NewScanner(f)
	vendor := ""
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		k, v, _ := strings.Cut(strings.TrimPrefix(line, "- "), ": ")
		switch k {
		case "community_file":
			commFile = v
		case "vendor":
			vendor = v
		case "address":
			if vendor == "netgear-gs110tp" {
				addrs = append(addrs, v)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, "", err
	}
	if commFile == "" || len(addrs) == 0 {
		return nil, "", fmt.Errorf("%s: no community_file or no GS110TP address: not a lab inventory", path)
	}
	if !filepath.IsAbs(commFile) {
		commFile = filepath.Join(filepath.Dir(path), commFile)
	}
	c, err := os.ReadFile(commFile)
	if err != nil {
		return nil, "", err
	}
	return addrs, strings.TrimSpace(string(c)), nil
}
