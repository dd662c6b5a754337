export { buildProgram } from './program.js';
export { eventTypeNote, sampleRequest, type SampleRequest } from './samples.js';
export { send, ingressBaseUrl, type SendOptions, type SendResult } from './commands/send.js';
export { formatTable } from './output.js';
