// decode.cjs reads a file of MAVLink frames (the datagrams our driver sent,
// concatenated) and decodes them with node-mavlink 2.3.0, a codec written
// independently of gomavlib: its splitter checks each frame's CRC with
// its own CRC_EXTRA table, its parser reads the fields with its own
// ardupilotmega/common registry. One JSON object per frame on stdout, field
// names as in the MAVLink XML, then a summary line.
//
// A signed frame (incompatibility flag 0x01, 13 bytes after the CRC) also
// gives its link id and timestamp, and, when MAVLINK_KEY holds a key in
// hex, whether node-mavlink finds its signature right with that key.
//
//   NODE_PATH=<dir>/node_modules [MAVLINK_KEY=<64 hex>] node decode.cjs frames.bin
'use strict'
const fs = require('fs')
const { Readable } = require('stream')
const { MavLinkPacketSplitter, MavLinkPacketParser, minimal, common, standard, ardupilotmega } = require('node-mavlink')

const KEY = process.env.MAVLINK_KEY ? Buffer.from(process.env.MAVLINK_KEY, 'hex') : null
const REGISTRY = { ...minimal.REGISTRY, ...common.REGISTRY, ...standard.REGISTRY, ...ardupilotmega.REGISTRY }

let crcErrors = 0
const splitter = new MavLinkPacketSplitter({}, { onCrcError: () => crcErrors++ })
const reader = Readable.from([fs.readFileSync(process.argv[2])]).pipe(splitter).pipe(new MavLinkPacketParser())

reader.on('data', packet => {
  const clazz = REGISTRY[packet.header.msgid]
  const out = {
    msgid: packet.header.msgid,
    name: clazz ? clazz.MSG_NAME : null,
    magic: packet.header.magic,
    sysid: packet.header.sysid,
    compid: packet.header.compid,
    incompat: packet.header.incompatibilityFlags,
    signed: packet.signature !== null,
    fields: {},
  }
  if (packet.signature) {
    out.link_id = packet.signature.linkId
    out.sig_timestamp = Number(packet.signature.timestamp)
    if (KEY) out.sig_ok = packet.signature.matches(KEY)
  }
  if (clazz) {
    const data = packet.protocol.data(packet.payload, clazz)
    for (const f of clazz.FIELDS) {
      let v = data[f.name]
      if (typeof v === 'bigint') v = v.toString()
      out.fields[f.source] = v
    }
  }
  console.log(JSON.stringify(out))
})
reader.on('end', () => {
  console.log(JSON.stringify({
    summary: true,
    valid: splitter.validPackages,
    invalid: splitter.invalidPackages,
    unknown: splitter.unknownPackagesCount,
    crc_errors: crcErrors,
  }))
})
