import { buildApp } from '../lib/app';

// `cdk synth|deploy -c stage=dev -c ...` (see the README, "Infrastructure (CDK)").
buildApp().app.synth();
