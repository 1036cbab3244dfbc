package render

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/diskfs/go-diskfs/backend/file"
	"github.com/diskfs/go-diskfs/filesystem/iso9660"
)

// SeedISOFile is the name of a node's NoCloud seed image in its output
// directory (bootMedia.seedISO).
const SeedISOFile = "seed.iso"

// SeedLabel is the volume label by which cloud-init finds a NoCloud seed.
const SeedLabel = "cidata"

// seedTime is every date in a seed image: the same input must give the same
// bytes, and an ISO 9660 image otherwise records when it was made.
var seedTime = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// seedFile is one file of a seed image.
type seedFile struct {
	name string
	data []byte
}

// seedISO is a NoCloud seed image of files: ISO 9660 with Joliet names
// (user-data and meta-data keep their dashes, as with genisoimage -joliet),
// volume label cidata, every date seedTime. go-diskfs builds it in a
// private temporary directory under scratch ("": the system's; the files
// hold the node's secrets), which is removed.
func seedISO(files []seedFile, scratch string) ([]byte, error) {
	dir, err := os.MkdirTemp(scratch, ".k8sgen-seed-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	// Room for the files, rounded up to sectors, and the volume's own
	// sectors; the image is cut to the volume's size at the end.
	size := int64(1 << 20)
	for _, f := range files {
		size += (int64(len(f.data)) + 2047) / 2048 * 2048
	}
	img := filepath.Join(dir, "seed.iso")
	bk, err := file.CreateFromPath(img, size)
	if err != nil {
		return nil, err
	}
	defer bk.Close()
	ws := filepath.Join(dir, "workspace")
	if err := os.Mkdir(ws, 0o700); err != nil {
		return nil, err
	}
	fs, err := iso9660.Create(bk, size, 0, 2048, ws)
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		w, err := fs.OpenFile("/"+f.name, os.O_CREATE|os.O_RDWR)
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(f.data); err != nil {
			return nil, err
		}
		if err := w.Close(); err != nil {
			return nil, err
		}
		if err := os.Chtimes(filepath.Join(ws, f.name), seedTime, seedTime); err != nil {
			return nil, err
		}
	}
	if err := os.Chtimes(ws, seedTime, seedTime); err != nil {
		return nil, err
	}
	if err := fs.Finalize(iso9660.FinalizeOptions{Joliet: true, VolumeIdentifier: SeedLabel}); err != nil {
		return nil, err
	}
	data, err := os.ReadFile(img)
	if err != nil {
		return nil, err
	}
	return fixVolumeDates(data)
}

// utcRecordDate sets a directory record's recording date (ECMA-119 9.1.5) to seedTime in UTC.
func utcRecordDate(rec []byte) {
	t := seedTime
	copy(rec[18:25], []byte{byte(t.Year() - 1900), byte(t.Month()), byte(t.Day()), byte(t.Hour()), byte(t.Minute()), byte(t.Second()), 0})
}

// fixVolumeDates sets the dates of every volume descriptor, which go-diskfs
// sets to the time it ran (ECMA-119 8.4.26 to 8.4.29, 17 bytes each from byte
// 813): creation and modification to seedTime, expiration and effective to
// "not specified" (zero digits). It cuts the image to the primary volume's
// size (8.4.8, little-endian at byte 80).
func fixVolumeDates(img []byte) ([]byte, error) {
	const sector = 2048
	date := []byte(seedTime.Format("20060102150405") + "00\x00")
	unset := []byte("0000000000000000\x00")
	blocks := uint32(0)
	for s := 16; ; s++ {
		d := img[min(s*sector, len(img)):min((s+1)*sector, len(img))]
		if len(d) < sector || string(d[1:6]) != "CD001" {
			return nil, fmt.Errorf("seed image: no volume descriptor set terminator")
		}
		switch d[0] {
		case 255:
			if blocks == 0 || int(blocks)*sector > len(img) {
				return nil, fmt.Errorf("seed image: volume size %d sectors", blocks)
			}
			return img[:int(blocks)*sector], nil
		case 1:
			blocks = binary.LittleEndian.Uint32(d[80:84])
		}
		if d[0] == 1 || d[0] == 2 {
			// The root directory's records (its own in the descriptor, then
			// those of its extent) carry dates go-diskfs took from the
			// workspace in the local time zone: write them in UTC.
			utcRecordDate(d[156:190])
			loc := int(binary.LittleEndian.Uint32(d[158:162])) * sector
			n := int(binary.LittleEndian.Uint32(d[166:170]))
			if loc+n > len(img) {
				return nil, fmt.Errorf("seed image: root directory past the end")
			}
			for ext := img[loc : loc+n]; len(ext) > 0 && ext[0] >= 33 && int(ext[0]) <= len(ext); ext = ext[ext[0]:] {
				utcRecordDate(ext[:ext[0]])
			}
		}
		copy(d[813:830], date)
		copy(d[830:847], date)
		copy(d[847:864], unset)
		copy(d[864:881], unset)
	}
}
