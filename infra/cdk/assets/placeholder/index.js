// Stub handler so the CDK app synthesises before `npm run build:lambda` ran (tests, a first `cdk synth`).
// Deploying it is harmless: every invocation fails loudly and the error alarm fires.
exports.handler = async () => {
  throw new Error('payops: placeholder code deployed; pass -c workerAsset=... / -c ingressAsset=... (built artefacts)');
};
