export { stackProbe } from './probe/stack-probe';
