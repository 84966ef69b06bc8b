import assert from 'node:assert/strict';
import { hasUserInfo, maskUrlCredentials, urlCredentials } from '../../shared/url-credentials.js';

describe('credentials in a URL', () => {
  it('finds the password of the user part, or the user part when it is a bare token', () => {
    assert.deepEqual(urlCredentials('https://bob:s3cret@proxy:8443/v1'), ['s3cret']);
    assert.deepEqual(urlCredentials('https://ghp_TOKEN123@git.example/x'), ['ghp_TOKEN123']);
    assert.deepEqual(urlCredentials('https://bob:@proxy/v1'), [], 'an empty password holds nothing');
  });

  it('finds query values named like credentials, decoded too, and leaves the others', () => {
    assert.deepEqual(urlCredentials('https://h/v1?alt=sse&key=AIza%2Bx&api-version=2024-10-21&sig=abc#frag'), ['AIza%2Bx', 'AIza+x', 'abc']);
    assert.deepEqual(urlCredentials('https://h/v1?api-version=2024-10-21&alt=sse'), []);
    assert.deepEqual(urlCredentials('https://h/v1#key=not-a-query'), []);
  });

  it('tells a URL with a user part, even an empty one, from one with an @ only in its path', () => {
    for (const url of ['https://bob:s3cret@proxy/v1', 'https://bob:@proxy', 'https://@proxy']) assert.equal(hasUserInfo(url), true, url);
    for (const url of ['https://proxy/v1/a@b', 'https://proxy?x=a@b', 'proxy@host']) assert.equal(hasUserInfo(url), false, url);
  });

  it('reads only absolute URLs', () => {
    assert.deepEqual(urlCredentials('not a url?key=value'), []);
    assert.deepEqual(urlCredentials('sk-proj-abc@example'), []);
  });

  it('masks each credential in place and keeps the rest as written', () => {
    assert.equal(maskUrlCredentials('https://bob:s3cret@proxy:8443/v1?key=abc&x=1', '…'), 'https://bob:…@proxy:8443/v1?key=…&x=1');
    assert.equal(maskUrlCredentials('HTTP://Proxy//v1/', '…'), 'HTTP://Proxy//v1/');
  });
});
