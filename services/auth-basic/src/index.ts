export { createApp, type AuthBasicOverrides, type AuthBasicApp } from './app.js';
export { configSchema, loadConfig, type Config } from './config.js';
export {
  createGrpcSessionIssuer,
  type SessionIssuer,
  type IssuedSession,
  type OpenSessionInput,
  type PrincipalInput,
} from './sessions/session-issuer.js';
export { createOutboxMailer, createSmtpMailer, type Mailer, type OutgoingMail } from './mail/mailer.js';
export { checkPasswordPolicy, defaultPolicy } from './domain/password-policy.js';
export { USER_STATUSES, type PublicUser, type UserStatus } from './domain/user.js';
