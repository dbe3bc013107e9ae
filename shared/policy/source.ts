import { lazyPort } from '../adapters/lazy-port';
import type { ParameterPort } from '../adapters/ports';
import { ConfigError, describeError } from '../errors';
import { builtInPolicy } from './default-policy';
import type { ResponsePolicy } from './schema';

export type PolicyProvider = () => Promise<ResponsePolicy>;

/** The SSM client is loaded only when the policy parameter is read, sparing every other cold start. */
export function ssmParameters(): ParameterPort {
  return lazyPort(async () => new (await import('../adapters/ssm')).SdkParameters());
}

export interface PolicySource {
  /** CLI `--policy FILE`. */
  file?: string;
  /** POLICY_SSM_PARAMETER. */
  ssmParameter?: string;
}

/**
 * Where the response policy comes from, first found wins: a file (CLI), an SSM parameter
 * (Lambda), the built-in policy. Loaded once per process and validated before any finding is
 * handled; a failed SSM read is not cached, so the next invocation tries again.
 */
export function policyProvider(source: PolicySource, parameters: () => ParameterPort): PolicyProvider {
  let loaded: Promise<ResponsePolicy> | undefined;
  const load = async (): Promise<ResponsePolicy> => {
    // The YAML parser loads only for a policy that is not the built-in one.
    if (source.file) return (await import('./load')).loadPolicyFile(source.file);
    if (source.ssmParameter) {
      const name = source.ssmParameter;
      let text: string | undefined;
      try {
        text = await parameters().getParameter(name);
      } catch (error) {
        throw new ConfigError(`cannot read POLICY_SSM_PARAMETER ${name}: ${describeError(error)}`, { cause: error });
      }
      if (text === undefined) throw new ConfigError(`POLICY_SSM_PARAMETER ${name}: parameter not found`);
      return (await import('./load')).parsePolicy(text, `ssm:${name}`);
    }
    return builtInPolicy();
  };
  return () => {
    loaded ??= load();
    loaded.catch(() => (loaded = undefined));
    return loaded;
  };
}
