import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import type { Logger } from '@gatehouse/shared';

export interface OutgoingMail {
  to: string;
  subject: string;
  /** Holds the reset link, token included: never logged. */
  text: string;
}

export interface Mailer {
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

/** SMTP through nodemailer (SMTP_URL, e.g. smtp://user:pass@mail:587 or smtps://…). */
export function createSmtpMailer(url: string, from: string, timeoutMs = 10_000): Mailer {
  const transport = nodemailer.createTransport(url, { from });
  // Bounded: a stuck mail server must not hold sockets forever.
  Object.assign(transport.options, { connectionTimeout: timeoutMs, greetingTimeout: timeoutMs, socketTimeout: timeoutMs });
  return {
    async send(m) {
      await transport.sendMail({ from, to: m.to, subject: m.subject, text: m.text });
    },
    close: () => transport.close(),
  };
}

/**
 * Development / all-in-one without SMTP_URL: the message is written as an .eml file (mode 0600) to
 * the outbox folder, and the file's name logged. Never the link: a reset token in a log is an
 * account takeover for whoever reads the log. Refused in production (config.ts).
 */
export function createOutboxMailer(dir: string, from: string, logger: Logger): Mailer {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    async send(m) {
      const info = (await transport.sendMail({ from, to: m.to, subject: m.subject, text: m.text })) as {
        message: Buffer;
        messageId: string;
      };
      await mkdir(dir, { recursive: true });
      const file = join(dir, `${Date.now()}-${info.messageId.replace(/[^\w.-]/g, '')}.eml`);
      await writeFile(file, info.message, { mode: 0o600 });
      logger.info({ to: m.to, subject: m.subject, file }, 'no SMTP_URL: e-mail written to the outbox (the link is in the file)');
    },
    close: () => transport.close(),
  };
}
