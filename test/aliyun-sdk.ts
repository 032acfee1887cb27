/** Alibaba's official clients as the tests drive them: openapi-core with a generated SDK's exact parameters. */
import OpenApi from '@alicloud/openapi-core';
import dara from '@darabonba/typescript';

/** openapi-core as a generated SDK (ice20201109, vod20170321) builds it: endpoint 'host:port[/prefix]' with protocol 'http'. */
export function openApiClient(endpoint: string, accessKeyId: string, accessKeySecret: string, signatureAlgorithm?: string) {
  return new OpenApi.default(
    new OpenApi.$OpenApiUtil.Config({
      accessKeyId,
      accessKeySecret,
      endpoint,
      protocol: 'http',
      regionId: 'cn-shanghai',
      ...(signatureAlgorithm && { signatureAlgorithm }),
    }),
  );
}

/** An RPC action exactly as the generated SDKs call it: every parameter in the query (a body only when given). */
export function callRpc(client: InstanceType<typeof OpenApi.default>, action: string, version: string, query: Record<string, string>, body?: Record<string, string>) {
  const params = new OpenApi.$OpenApiUtil.Params({
    action,
    version,
    protocol: 'HTTPS', // as generated; Config.protocol 'http' wins
    pathname: '/',
    method: 'POST',
    authType: 'AK',
    style: 'RPC',
    reqBodyType: 'formData',
    bodyType: 'json',
  });
  const request = new OpenApi.$OpenApiUtil.OpenApiRequest({ query: OpenApi.OpenApiUtil.query(query), ...(body && { body }) });
  return client.callApi(params, request, new dara.RuntimeOptions({}));
}
