// Interop of the SM2 envelope with the JavaScript libraries, driven by tests/core/test_sm2_interop.py:
// reads a JSON task on stdin, answers JSON on stdout. sm-crypto (0.5.8, the original library)
// and sm-crypto-v2 (what the storefront ships) both decrypt what Python encrypted and encrypt
// what Python decrypts; SM4-GCM of sm-crypto-v2 both ways; the storefront's own seal().
import { Buffer } from 'node:buffer'
import process from 'node:process'
import smCrypto from 'sm-crypto'
import { sm2, sm4 } from 'sm-crypto-v2'
import { seal } from '../../src/api/envelope.js'

const chunks = []
for await (const chunk of process.stdin) chunks.push(chunk)
const task = JSON.parse(Buffer.concat(chunks).toString('utf8'))

// A string AAD or plaintext would be read as hex by sm-crypto-v2: bytes go as Uint8Array.
const bytes = (hex) => Uint8Array.from(Buffer.from(hex, 'hex'))
const out = {
  // Python -> JS: C1C3C2 from Python (04 || x || y || C3 || C2); the libraries want C1 without 04.
  sm_crypto_decrypted: smCrypto.sm2.doDecrypt(task.python_ciphertext.slice(2), task.private_key, 1),
  v2_decrypted: sm2.doDecrypt(task.python_ciphertext.slice(2), task.private_key, 1),
  // JS -> Python
  sm_crypto_ciphertext: smCrypto.sm2.doEncrypt(task.message, task.public_key, 1),
  v2_ciphertext: sm2.doEncrypt(task.message, task.public_key, 1),
  // SM4-GCM both ways
  v2_gcm: sm4.encrypt(bytes(task.gcm.plaintext), task.gcm.key, {
    mode: 'gcm',
    iv: task.gcm.iv,
    associatedData: bytes(task.gcm.aad),
    output: 'string',
    outputTag: true,
  }),
  v2_gcm_opened: sm4.decrypt(task.gcm.python_sealed.slice(0, -32), task.gcm.key, {
    mode: 'gcm',
    iv: task.gcm.iv,
    associatedData: bytes(task.gcm.aad),
    tag: task.gcm.python_sealed.slice(-32),
    output: 'string',
  }),
  // The storefront's envelope, for Python to open
  envelope: seal({ key_id: task.key_id, public_key: task.public_key }, task.fields, {
    now: () => task.now * 1000,
  }),
}
process.stdout.write(JSON.stringify(out))
