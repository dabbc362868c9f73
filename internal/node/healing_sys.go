package node

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"path"
	"strconv"
	"strings"
)

// readSmallFile reads at most MaxSystemFileSize bytes of a system file (/proc, /sys).
func readSmallFile(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, MaxSystemFileSize))
}

// cgroupMemoryLimit returns the smallest memory limit of the process's cgroup and its ancestors
// (cgroup v2 memory.max, or v1 memory.limit_in_bytes), 0 if there is none or it cannot be read.
func cgroupMemoryLimit(read func(string) ([]byte, error)) uint64 {
	b, err := read("/proc/self/cgroup")
	if err != nil {
		return 0
	}
	var limit uint64
	take := func(file string) {
		v, err := read(file)
		if err != nil {
			return
		}
		s := strings.TrimSpace(string(v))
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil || n == 0 || n >= cgroupUnlimited {
			return // "max", or v1's "unlimited" page-rounded MaxInt64
		}
		if limit == 0 || n < limit {
			limit = n
		}
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		// hierarchy-ID:controller-list:cgroup-path
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 || !strings.HasPrefix(parts[2], "/") {
			continue
		}
		dir := path.Clean(parts[2])
		var root, file string
		switch {
		case parts[0] == "0" && parts[1] == "":
			root, file = "/sys/fs/cgroup", "memory.max"
		case strings.Contains(","+parts[1]+",", ",memory,"):
			root, file = "/sys/fs/cgroup/memory", "memory.limit_in_bytes"
		default:
			continue
		}
		for depth := 0; depth < MaxCgroupDepth; depth++ {
			take(path.Join(root, dir, file))
			if dir == "/" {
				break
			}
			dir = path.Dir(dir)
		}
	}
	return limit
}

// memTotal returns the machine's RAM from /proc/meminfo, 0 if unknown.
func memTotal(read func(string) ([]byte, error)) uint64 {
	b, err := read("/proc/meminfo")
	if err != nil {
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 3 && f[0] == "MemTotal:" && f[2] == "kB" {
			if kb, err := strconv.ParseUint(f[1], 10, 64); err == nil && kb < 1<<50 {
				return kb << 10
			}
		}
	}
	return 0
}
