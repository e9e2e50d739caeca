// A real schema registry for tests: Apicurio Registry 2.4.2.Final (in-memory storage), which
// serves the Confluent Schema Registry API under /apis/ccompat/v6.
//
// Maven Central has no runnable Apicurio jar (no "runner" classifier; 3.x needs Java 21 and its
// parent POMs are partly missing; 2.5+/2.6 depend on artifacts only in other repositories). So
// the launcher assembles one: a tiny Maven project that depends on io.apicurio:apicurio-registry-app,
// unpacks it and runs the Quarkus build on it. Two artifacts Central lacks are swapped:
//   - com.github.everit-org.json-schema:org.everit.json.schema (JitPack) → com.github.erosb:everit-json-schema
//     (same classes, on Central);
//   - apicurio-common-app-components-config-index(-deployment) 0.1.18.Final → 0.1.10.Final
//     (the deployment half of 0.1.18 is not on Central).
// A settings file mirrors every repository to Central (the parent POM also lists Confluent's).
// The result lives in <repo>/.cache/schema-registry/ (git-ignored) and is built once: about
// 65 s with an empty Maven repository, then a JVM start of about 4 s per registry.

import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import type { Reply } from '../../../test/support/receiver.ts';

export const APICURIO_VERSION = '2.4.2.Final';
/** Where the Confluent-compatible API lives on an Apicurio 2.x server. */
export const CCOMPAT_PATH = '/apis/ccompat/v6';

const REPO_ROOT = path.resolve(import.meta.dirname, '../../..');
const DEFAULT_CACHE_DIR = path.join(REPO_ROOT, '.cache', 'schema-registry');
const JAR_NAME = `hookrail-test-schema-registry-${APICURIO_VERSION}-runner.jar`;

export interface RunningSchemaRegistry {
  /** Base URL of the Confluent-compatible API, e.g. http://127.0.0.1:40123/apis/ccompat/v6 */
  url: string;
  stop(): Promise<void>;
}

export interface StartOptions {
  cacheDir?: string;
  /** How long to wait for the server to answer (default 90 s). */
  startTimeoutMs?: number;
  /** Progress messages (build, start, timings). */
  log?: (message: string) => void;
}

/** Why a registry cannot run here (no java / mvn on PATH), or undefined when it can. */
export async function schemaRegistryUnsupported(): Promise<string | undefined> {
  for (const [command, args] of [['java', ['-version']], ['mvn', ['-v']]] as const) {
    const ok = await new Promise<boolean>((resolve) => {
      const child = spawn(command, args, { stdio: 'ignore' });
      child.on('error', () => resolve(false));
      child.on('exit', (code) => resolve(code === 0));
    });
    if (!ok) return `${command} is not available on PATH`;
  }
  return undefined;
}

/** Starts a fresh, empty registry on a free loopback port; builds it first if not cached. */
export async function startSchemaRegistry(options: StartOptions = {}): Promise<RunningSchemaRegistry> {
  const log = options.log ?? (() => {});
  const jar = await ensureBuilt(options.cacheDir ?? DEFAULT_CACHE_DIR, log);
  const port = await freePort();
  const started = Date.now();
  const child = spawn(
    'java',
    [
      '-Xmx512m',
      '-XX:TieredStopAtLevel=1',
      '-Dquarkus.http.host=127.0.0.1',
      `-Dquarkus.http.port=${port}`,
      '-Dquarkus.log.level=WARN',
      '-Dquarkus.log.category."io.apicurio".level=WARN',
      '-Dquarkus.log.console.color=false',
      '-jar',
      jar,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output = tailBuffer(child, 60);
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const base = `http://127.0.0.1:${port}`;
  const url = `${base}${CCOMPAT_PATH}`;
  try {
    await waitUntilAnswering(`${url}/subjects`, child, options.startTimeoutMs ?? 90_000, output);
  } catch (error) {
    process.removeListener('exit', killOnExit);
    await stopChild(child);
    throw error;
  }
  log(`Apicurio Registry ${APICURIO_VERSION} answering on ${base} after ${Date.now() - started} ms`);

  let stopping: Promise<void> | undefined;
  return {
    url,
    stop() {
      stopping ??= (async () => {
        process.removeListener('exit', killOnExit);
        await stopChild(child);
      })();
      return stopping;
    },
  };
}

/** The runner jar, built with Maven into the cache folder if it is not there yet. */
async function ensureBuilt(cacheDir: string, log: (message: string) => void): Promise<string> {
  const finalDir = path.join(cacheDir, `apicurio-registry-${APICURIO_VERSION}`);
  const jar = path.join(finalDir, 'target', JAR_NAME);
  if (existsSync(jar)) return jar;

  // Build in a private folder and rename it into place, so concurrent test processes
  // never see (or run) a half-built registry.
  const buildDir = path.join(cacheDir, `build-${process.pid}-${randomBytes(4).toString('hex')}`);
  await mkdir(buildDir, { recursive: true });
  await writeFile(path.join(buildDir, 'pom.xml'), POM);
  await writeFile(path.join(buildDir, 'settings.xml'), SETTINGS);
  const started = Date.now();
  log(`building Apicurio Registry ${APICURIO_VERSION} with Maven in ${buildDir} (once; about a minute)`);
  try {
    await run(
      'mvn',
      ['-B', '-q', '-s', 'settings.xml', 'package', '-DskipTests', '-Dcheckstyle.skip', '-Denforcer.skip', '-Dlicense.skip', '-Djacoco.skip'],
      buildDir,
      15 * 60_000,
    );
    try {
      await rename(buildDir, finalDir);
    } catch (error) {
      if (!existsSync(jar)) throw error; // another process finished first: use its build
      await rm(buildDir, { recursive: true, force: true });
    }
  } catch (error) {
    await rm(buildDir, { recursive: true, force: true });
    throw error;
  }
  log(`built Apicurio Registry in ${Date.now() - started} ms`);
  if (!existsSync(jar)) throw new Error(`Maven build finished but ${jar} is missing`);
  return jar;
}

function run(command: string, args: readonly string[], cwd: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const output = tailBuffer(child, 40);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`${command} ${args.join(' ')} failed (${signal ?? `exit ${code}`}):\n${output()}`));
    });
  });
}

/** Keeps the last `lines` lines of a child's stdout+stderr, for error messages. */
function tailBuffer(child: ChildProcess, lines: number): () => string {
  const kept: string[] = [];
  const take = (chunk: Buffer) => {
    kept.push(...chunk.toString('utf8').split('\n').filter((line) => line.length > 0));
    if (kept.length > lines) kept.splice(0, kept.length - lines);
  };
  child.stdout?.on('data', take);
  child.stderr?.on('data', take);
  return () => kept.join('\n');
}

async function waitUntilAnswering(url: string, child: ChildProcess, timeoutMs: number, output: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited: string | undefined;
  child.once('exit', (code, signal) => {
    exited = signal ?? `exit code ${code}`;
  });
  while (Date.now() < deadline) {
    if (exited) throw new Error(`schema registry stopped during startup (${exited}):\n${output()}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  throw new Error(`schema registry did not answer ${url} within ${timeoutMs} ms:\n${output()}`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const SETTINGS = `<settings>
  <mirrors>
    <mirror><id>central-only</id><mirrorOf>*</mirrorOf><url>https://repo.maven.apache.org/maven2</url></mirror>
  </mirrors>
</settings>
`;

const POM = `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
         xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 http://maven.apache.org/xsd/maven-4.0.0.xsd">
  <modelVersion>4.0.0</modelVersion>
  <!-- Generated by services/router/test/schema-registry.ts -->
  <parent>
    <groupId>io.apicurio</groupId>
    <artifactId>apicurio-registry</artifactId>
    <version>${APICURIO_VERSION}</version>
    <relativePath/>
  </parent>
  <artifactId>hookrail-test-schema-registry</artifactId>
  <packaging>jar</packaging>
  <dependencyManagement>
    <dependencies>
      <dependency><groupId>io.apicurio</groupId><artifactId>apicurio-common-app-components-config-index</artifactId><version>0.1.10.Final</version></dependency>
      <dependency><groupId>io.apicurio</groupId><artifactId>apicurio-common-app-components-config-index-deployment</artifactId><version>0.1.10.Final</version></dependency>
    </dependencies>
  </dependencyManagement>
  <dependencies>
    <dependency>
      <groupId>io.apicurio</groupId>
      <artifactId>apicurio-registry-app</artifactId>
      <version>${APICURIO_VERSION}</version>
      <exclusions>
        <exclusion><groupId>com.github.everit-org.json-schema</groupId><artifactId>org.everit.json.schema</artifactId></exclusion>
      </exclusions>
    </dependency>
    <dependency>
      <groupId>com.github.erosb</groupId>
      <artifactId>everit-json-schema</artifactId>
      <version>1.14.2</version>
    </dependency>
  </dependencies>
  <build>
    <plugins>
      <plugin>
        <groupId>org.apache.maven.plugins</groupId>
        <artifactId>maven-dependency-plugin</artifactId>
        <executions>
          <execution>
            <id>unpack-app</id>
            <phase>generate-resources</phase>
            <goals><goal>unpack</goal></goals>
            <configuration>
              <artifactItems>
                <artifactItem>
                  <groupId>io.apicurio</groupId>
                  <artifactId>apicurio-registry-app</artifactId>
                  <version>${APICURIO_VERSION}</version>
                  <type>jar</type>
                  <overWrite>true</overWrite>
                </artifactItem>
              </artifactItems>
              <outputDirectory>\${project.build.outputDirectory}</outputDirectory>
            </configuration>
          </execution>
        </executions>
      </plugin>
      <plugin>
        <groupId>io.quarkus</groupId>
        <artifactId>quarkus-maven-plugin</artifactId>
        <executions>
          <execution>
            <goals><goal>build</goal></goals>
          </execution>
        </executions>
      </plugin>
    </plugins>
  </build>
</project>
`;

/**
 * An answer of a schema registry, for the test receiver playing one that fails on demand
 * (test/support/receiver.ts): JSON bodies with the registry's content type, text as an HTML page.
 */
export function registryReply(status: number, body: unknown): Reply {
  if (typeof body === 'string') return { status, body, headers: { 'content-type': 'text/html' } };
  return { status, body: body as object, headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' } };
}
