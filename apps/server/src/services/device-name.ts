import { UAParser } from 'ua-parser-js';

/** Longest device name stored; user agents can be arbitrarily long. */
const deviceNameLengthMax = 100;
const userAgentLengthMax = 512;

/** Control and bidi-override characters, which must never reach another device's screen. */
const unsafeCharacters = /[\p{Cc}\u202A-\u202E\u2066-\u2069]/gu;

/** A readable device name from the client's own name, else from its user agent ("Chrome 120 on macOS"). */
export function deviceNameFor(given: string | undefined, userAgent: string): string {
  const trimmed = given?.trim();
  if (trimmed) return trimmed.slice(0, deviceNameLengthMax);
  const ua = new UAParser(userAgent).getResult();
  const browser = [ua.browser.name, ua.browser.major].filter(Boolean).join(' ');
  const os = [ua.os.name, ua.os.version].filter(Boolean).join(' ');
  const model = [ua.device.vendor, ua.device.model].filter(Boolean).join(' ');
  const client = browser || model || userAgent.split(/[\s/]/)[0] || 'Unknown client';
  const name = os ? `${client} on ${os}` : client;
  return name.replace(unsafeCharacters, '').slice(0, deviceNameLengthMax);
}

export function clampUserAgent(userAgent: string | undefined): string {
  return (userAgent ?? '').replace(unsafeCharacters, '').slice(0, userAgentLengthMax);
}

/** "Chrome 120 on macOS 14" from a user agent, for the phone that approves a QR login. */
export function describeBrowser(userAgent: string): string {
  const ua = new UAParser(userAgent).getResult();
  const browser = [ua.browser.name, ua.browser.version].filter(Boolean).join(' ');
  const os = [ua.os.name, ua.os.version].filter(Boolean).join(' ');
  // Never the raw user agent: it is whatever the client sent, and this text reaches emails.
  const text = browser && os ? `${browser} on ${os}` : browser || os || 'an unknown browser';
  return text.replace(unsafeCharacters, '').slice(0, deviceNameLengthMax);
}
