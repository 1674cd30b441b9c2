import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import {
  AlertIdParams,
  QrCodeBody,
  QrRequestView,
  AntiPhishingBody,
  SecurityAlertView,
  ChangePasswordBody,
  PageQuery,
  RecoveryCodesView,
  SecurityLogPage,
  SecurityPolicyBody,
  SecurityView,
  StepUpBody,
  StepUpResult,
  TotpCodeBody,
  TotpSetupView,
} from '@lockstep/protocol';
import type { RouteDeps } from './deps.ts';
import { csrfCookie, principalOf, requireSession, sessionCookie } from '../http/authentication.ts';
import type { SecurityService } from '../services/security-service.ts';
import { errorResponses, sessionSecurity, clientOf, loginRateLimit } from './route-parts.ts';

const errors = errorResponses(400, 401, 403, 409, 429);
const security = sessionSecurity;

/** Step-up, 2FA, password change, anti-phishing code, withdrawal-hold policy and the security log. */
export const securityRoutes: FastifyPluginAsyncTypebox<
  RouteDeps & { securityService: SecurityService }
> = async (
  app,
  { auth, config, securityService: service },
  // eslint-disable-next-line @typescript-eslint/require-await -- Fastify plugins are async by contract.
) => {
  app.addHook('onRequest', requireSession(auth));

  app.get(
    '/v1/security',
    {
      schema: {
        tags: ['security'],
        summary: 'Security settings: 2FA, anti-phishing code, withdrawal hold',
        security,
        response: { 200: Type.Object({ security: SecurityView }), ...errors },
      },
    },
    async (request) => ({ security: await service.view(principalOf(request).account.id) }),
  );

  app.post(
    '/v1/auth/step-up',
    {
      schema: {
        tags: ['security'],
        summary: 'Re-authenticate (password, plus a 2FA code when on) before a sensitive action',
        description:
          'Allows withdrawals, API key creation and security changes for a few minutes. The session gets a new token: bearer clients must use the returned one; cookie sessions get new cookies.',
        security,
        body: StepUpBody,
        response: { 200: StepUpResult, ...errors },
      },
      config: loginRateLimit(config),
    },
    async (request, reply) => {
      const { stepUpUntil, token, csrfToken } = await service.stepUp(
        principalOf(request),
        request.body,
        clientOf(request),
      );
      if (csrfToken === null) return { stepUpUntil, token };
      // A cookie session: the rotated token goes into its HttpOnly cookie, never into the body.
      const maxAge = Math.floor(config.lifetimes.absoluteMs / 1000);
      const cookieOptions = { path: '/', sameSite: 'strict', secure: config.secureCookies, maxAge } as const;
      void reply.setCookie(sessionCookie, token, { ...cookieOptions, httpOnly: true });
      void reply.setCookie(csrfCookie, csrfToken, { ...cookieOptions, httpOnly: false });
      return { stepUpUntil, csrfToken };
    },
  );

  app.post(
    '/v1/security/2fa/setup',
    {
      schema: {
        tags: ['security'],
        summary: 'Start turning 2FA on: a new secret, its otpauth URI and QR code (needs a step-up)',
        security,
        response: { 200: TotpSetupView, ...errors },
      },
    },
    async (request) => service.beginTotp(principalOf(request)),
  );

  app.post(
    '/v1/security/2fa/enable',
    {
      schema: {
        tags: ['security'],
        summary: 'Confirm the setup with a first code: 2FA is on; returns ten recovery codes once',
        security,
        body: TotpCodeBody,
        response: { 200: RecoveryCodesView, ...errors },
      },
    },
    async (request) => service.enableTotp(principalOf(request), request.body.code, clientOf(request)),
  );

  app.post(
    '/v1/security/2fa/disable',
    {
      schema: {
        tags: ['security'],
        summary: 'Turn 2FA off with a current or recovery code (needs a step-up)',
        security,
        body: TotpCodeBody,
        response: { 200: Type.Object({ security: SecurityView }), ...errors },
      },
    },
    async (request) => ({
      security: await service.disableTotp(principalOf(request), request.body.code, clientOf(request)),
    }),
  );

  app.post(
    '/v1/security/password',
    {
      schema: {
        tags: ['security'],
        summary: 'Change the password; every other device is signed out',
        security,
        body: ChangePasswordBody,
        response: { 200: Type.Object({ security: SecurityView }), ...errors },
      },
      config: loginRateLimit(config),
    },
    async (request) => ({
      security: await service.changePassword(principalOf(request), request.body, clientOf(request)),
    }),
  );

  app.put(
    '/v1/security/anti-phishing-code',
    {
      schema: {
        tags: ['security'],
        summary: 'Set the phrase every Lockstep email shows (needs a step-up)',
        security,
        body: AntiPhishingBody,
        response: { 200: Type.Object({ security: SecurityView }), ...errors },
      },
    },
    async (request) => ({
      security: await service.setAntiPhishingCode(principalOf(request), request.body.code, clientOf(request)),
    }),
  );

  app.put(
    '/v1/security/policy',
    {
      schema: {
        tags: ['security'],
        summary: 'Whether a login from a new device holds withdrawals for 48 hours (needs a step-up)',
        security,
        body: SecurityPolicyBody,
        response: { 200: Type.Object({ security: SecurityView }), ...errors },
      },
    },
    async (request) => ({
      security: await service.setPolicy(principalOf(request), request.body, clientOf(request)),
    }),
  );

  app.get(
    '/v1/security/alerts',
    {
      schema: {
        tags: ['security'],
        summary: 'Security alerts nobody has answered yet (new-device logins)',
        security,
        response: { 200: Type.Object({ alerts: Type.Array(SecurityAlertView) }), ...errors },
      },
    },
    async (request) => ({ alerts: await service.openAlerts(principalOf(request).account.id) }),
  );

  app.post(
    '/v1/security/alerts/:id/confirm',
    {
      schema: {
        tags: ['security'],
        summary: '"It was me": closes the alert on every device',
        security,
        params: AlertIdParams,
        response: { 200: Type.Object({ alert: SecurityAlertView }), ...errors, 404: { $ref: 'Error#' } },
      },
    },
    async (request) => ({
      alert: await service.confirmAlert(principalOf(request), request.params.id, clientOf(request)),
    }),
  );

  app.post(
    '/v1/security/alerts/:id/deny',
    {
      schema: {
        tags: ['security'],
        summary: '"Not me": signs out every device and API key, locks login, emails a password-reset link',
        security,
        params: AlertIdParams,
        response: { 200: Type.Object({ alert: SecurityAlertView }), ...errors, 404: { $ref: 'Error#' } },
      },
    },
    async (request, reply) => {
      const alert = await service.denyAlert(principalOf(request), request.params.id, clientOf(request));
      void reply.clearCookie(sessionCookie, { path: '/' }).clearCookie(csrfCookie, { path: '/' });
      return { alert };
    },
  );

  app.post(
    '/v1/auth/qr/scan',
    {
      schema: {
        tags: ['auth'],
        summary: 'A logged-in phone scanned a QR login code: which device asks (logs no one in)',
        security,
        body: QrCodeBody,
        response: { 200: Type.Object({ request: QrRequestView }), ...errors },
      },
    },
    async (request) => ({
      request: await service.scanQr(principalOf(request), request.body.code, clientOf(request)),
    }),
  );

  app.post(
    '/v1/auth/qr/approve',
    {
      schema: {
        tags: ['auth'],
        summary: 'Confirm a scanned QR login: the waiting device receives a fresh session',
        security,
        body: QrCodeBody,
        response: { 200: Type.Object({ request: QrRequestView }), ...errors },
      },
    },
    async (request) => ({
      request: await service.approveQr(principalOf(request), request.body.code, clientOf(request)),
    }),
  );

  app.get(
    '/v1/security/log',
    {
      schema: {
        tags: ['security'],
        summary: 'Security log: logins, failures, new devices, 2FA and password changes, holds; newest first',
        security,
        querystring: PageQuery,
        response: { 200: SecurityLogPage, ...errors },
      },
    },
    async (request) =>
      service.securityLog(principalOf(request).account.id, request.query.limit ?? 50, request.query.before),
  );
};
