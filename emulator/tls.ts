/**
 * A throwaway certificate authority for tests: it signs a certificate for servicewechat.com so a
 * loopback proxy can terminate miniprogram-ci's TLS. Clients trust it through NODE_EXTRA_CA_CERTS,
 * which Node reads once at process start.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import forge from 'node-forge'

export interface IssuedCertificate {
  certPem: string
  keyPem: string
}

export interface TestCertificateAuthority {
  certPem: string
  /** The CA certificate written to a private temp folder, for NODE_EXTRA_CA_CERTS. */
  certPath: string
  issue(hostname: string): IssuedCertificate
  /** Removes the temp folder with the CA file. */
  dispose(): void
}

function newKeyPair(): {
  privateKey: forge.pki.rsa.PrivateKey
  publicKey: forge.pki.rsa.PublicKey
  keyPem: string
} {
  // Node generates keys in milliseconds; node-forge's pure-JS generator takes seconds.
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' }
  })
  return {
    privateKey: forge.pki.privateKeyFromPem(privateKey),
    publicKey: forge.pki.publicKeyFromPem(publicKey) as forge.pki.rsa.PublicKey,
    keyPem: privateKey
  }
}

function serialNumber(): string {
  // Positive and minimally encoded, as OpenSSL requires ("illegal padding" otherwise): the first byte from
  // 0x01 to 0x7f. A leading zero byte (1 serial in 256 with a fixed "0" prefix) made the server refuse it.
  const bytes = randomBytes(16)
  bytes[0] = 1 + ((bytes[0] as number) % 0x7f)
  return bytes.toString('hex')
}

function validity(cert: forge.pki.Certificate): void {
  const now = Date.now()
  cert.validity.notBefore = new Date(now - 60 * 60_000)
  cert.validity.notAfter = new Date(now + 7 * 24 * 60 * 60_000)
}

export function createTestCertificateAuthority(
  commonName = 'wechat-release-action test CA'
): TestCertificateAuthority {
  const ca = newKeyPair()
  const caCert = forge.pki.createCertificate()
  caCert.publicKey = ca.publicKey
  caCert.serialNumber = serialNumber()
  validity(caCert)
  const caSubject = [{ name: 'commonName', value: commonName }]
  caCert.setSubject(caSubject)
  caCert.setIssuer(caSubject)
  caCert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' }
  ])
  caCert.sign(ca.privateKey, forge.md.sha256.create())
  const certPem = forge.pki.certificateToPem(caCert)

  const folder = mkdtempSync(path.join(os.tmpdir(), 'wechat-test-ca-'))
  const certPath = path.join(folder, 'ca.crt')
  writeFileSync(certPath, certPem)

  return {
    certPem,
    certPath,
    issue(hostname: string): IssuedCertificate {
      const leaf = newKeyPair()
      const cert = forge.pki.createCertificate()
      cert.publicKey = leaf.publicKey
      cert.serialNumber = serialNumber()
      validity(cert)
      cert.setSubject([{ name: 'commonName', value: hostname }])
      cert.setIssuer(caCert.subject.attributes)
      cert.setExtensions([
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
        { name: 'extKeyUsage', serverAuth: true },
        { name: 'subjectAltName', altNames: [{ type: 2, value: hostname }] }
      ])
      cert.sign(ca.privateKey, forge.md.sha256.create())
      return { certPem: forge.pki.certificateToPem(cert), keyPem: leaf.keyPem }
    },
    dispose() {
      rmSync(folder, { recursive: true, force: true })
    }
  }
}
