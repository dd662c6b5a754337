import http from 'node:http';
import https from 'node:https';
import axios, { type AxiosInstance } from 'axios';

/** One axios instance for every delivery: keep-alive sockets, no redirects, raw bytes out, status never thrown. */
export function createHttpClient(maxSockets: number): AxiosInstance {
  return axios.create({
    httpAgent: new http.Agent({ keepAlive: true, maxSockets }),
    httpsAgent: new https.Agent({ keepAlive: true, maxSockets }),
    maxRedirects: 0,
    validateStatus: () => true,
    transformRequest: [(data: unknown) => data],
    responseType: 'text',
    transformResponse: [(data: unknown) => data],
    maxContentLength: 64 * 1024,
    proxy: false,
  });
}
