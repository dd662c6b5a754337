import http from 'node:http';
import https from 'node:https';
import axios, { type AxiosInstance } from 'axios';

/**
 * One axios instance for every delivery: keep-alive sockets, no redirects, raw bytes out, status
 * never thrown. Answers come back as streams, unbuffered: deliver() reads the first 4 KB and drops
 * the rest, so no answer size is ever a reason to fail (docs/contract.md §5).
 */
export function createHttpClient(maxSockets: number): AxiosInstance {
  return axios.create({
    httpAgent: new http.Agent({ keepAlive: true, maxSockets }),
    httpsAgent: new https.Agent({ keepAlive: true, maxSockets }),
    maxRedirects: 0,
    validateStatus: () => true,
    transformRequest: [(data: unknown) => data],
    responseType: 'stream',
    transformResponse: [(data: unknown) => data],
    proxy: false,
  });
}
