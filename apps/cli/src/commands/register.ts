import type { Command } from 'commander';
import { addClientOptions, clientAction } from '../context.ts';
import type { CliIo } from '../io.ts';
import { obtainPassword } from '../password-input.ts';
import { addDeviceOptions, describeLogin, logInProfile, type LoginFlags } from './login.ts';

/** Adds `register`: creates the account, then logs this profile in so the newcomer can start at once. */
export function addRegisterCommand(program: Command, io: CliIo): void {
  const command = program
    .command('register')
    .description('create an account and log this profile in')
    .requiredOption('--email <email>', 'email of the new account')
    .option('--password-stdin', 'read the password from the first line of stdin');
  addClientOptions(addDeviceOptions(command)).action(
    clientAction<LoginFlags & { email: string }>(io, async (context, flags) => {
      const password = await obtainPassword(io, { fromStdin: flags.passwordStdin === true, confirm: true });
      const { account } = await context.call(() =>
        context.client().register({ email: flags.email, password }),
      );
      const login = await logInProfile(context, flags.email, password, flags);
      context.output(
        login.response,
        () => `Registered ${account.email} (account ${account.id})\n${describeLogin(context, login)}`,
      );
    }),
  );
}
