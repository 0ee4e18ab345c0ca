/**
 * Signing of attestations with GitHub's artifact attestations (`@actions/attest`: Sigstore
 * public-good for public repositories, GitHub's instance for private ones; the library decides).
 * It needs the job's OIDC token (`permissions: id-token: write`); without it nothing is signed.
 */

import type { Signer } from '../tools.js';

export const SIGSTORE_BUNDLE_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';

export const ENABLE_SIGNING_HINT =
  'Attestations are attached unsigned: the job has no OIDC token. To sign them (gh attestation verify, cosign verify-attestation), give the job `permissions: id-token: write, attestations: write`.';

/** The real signer: `@actions/attest`, loaded only when a run signs (it pulls Sigstore in). */
export function actionsAttestSigner(env: NodeJS.ProcessEnv): Signer {
  return {
    unavailable: () => {
      if (env.ACTIONS_ID_TOKEN_REQUEST_URL && env.ACTIONS_ID_TOKEN_REQUEST_TOKEN) return undefined;
      return env.GITHUB_ACTIONS === 'true' ? ENABLE_SIGNING_HINT : 'Attestations are attached unsigned: signing needs a GitHub Actions job with an OIDC token (id-token: write).';
    },
    async sign(request, token) {
      const { attest } = await import('@actions/attest');
      const attestation = await attest({
        subjects: request.subjectDigests.map((digest) => ({ name: request.subjectName, digest: { sha256: digest.replace(/^sha256:/, '') } })),
        predicateType: request.predicateType,
        predicate: request.predicate as object,
        token,
        // The bundle is attached by this action as a referrer; GitHub's attestations API stores it too when the token may write there.
        skipWrite: !token,
      });
      return Buffer.from(JSON.stringify(attestation.bundle));
    },
  };
}
