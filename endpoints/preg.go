package endpoints

import (
	"encoding/binary"
	"unicode/utf16"
)

// The Group Policy registry file (Registry.pol), as Microsoft's "Registry
// Policy File Format" documents it: the signature "PReg" and version 1 as
// little-endian uint32s, then records
//
//	[key;value;type;size;data]
//
// where the brackets and semicolons are UTF-16LE characters, key and value
// are NUL-terminated UTF-16LE strings, type and size are little-endian
// uint32s, and data is size raw bytes.

// RegSZ is the registry value type of every value written here (policy-based
// QoS keeps even numbers as strings).
const RegSZ uint32 = 1

const (
	pregSignature uint32 = 0x67655250 // "PReg" read as a little-endian uint32
	pregVersion   uint32 = 1
)

// PolRecord is one record of a Registry.pol file.
type PolRecord struct {
	Key   string // relative to the hive the file is for (HKLM for Machine\Registry.pol)
	Value string
	Type  uint32
	Data  []byte
}

// RegString is the data of a REG_SZ: UTF-16LE with its terminating NUL.
func RegString(s string) []byte { return encodeUTF16(s + "\x00") }

// EncodePReg writes the records as a Registry.pol file.
func EncodePReg(recs []PolRecord) []byte {
	out := binary.LittleEndian.AppendUint32(nil, pregSignature)
	out = binary.LittleEndian.AppendUint32(out, pregVersion)
	for _, r := range recs {
		out = append(out, encodeUTF16("[")...)
		out = append(out, encodeUTF16(r.Key+"\x00")...)
		out = append(out, encodeUTF16(";")...)
		out = append(out, encodeUTF16(r.Value+"\x00")...)
		out = append(out, encodeUTF16(";")...)
		out = binary.LittleEndian.AppendUint32(out, r.Type)
		out = append(out, encodeUTF16(";")...)
		out = binary.LittleEndian.AppendUint32(out, uint32(len(r.Data)))
		out = append(out, encodeUTF16(";")...)
		out = append(out, r.Data...)
		out = append(out, encodeUTF16("]")...)
	}
	return out
}

func encodeUTF16(s string) []byte {
	var out []byte
	for _, u := range utf16.Encode([]rune(s)) {
		out = binary.LittleEndian.AppendUint16(out, u)
	}
	return out
}

func decodeUTF16(b []byte) string {
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return string(utf16.Decode(u))
}
