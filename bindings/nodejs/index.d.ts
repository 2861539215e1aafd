// Type declarations of pipeproc for Node.js: PipeProc's API (PEER §2-§16)
// over libpipeproc. Every failure rejects with a PipeProcError.

// `const PipeProc = require("pipeproc")` or `const {PipeProc} = ...`.
declare function PipeProc(): PipeProc.PipeProcClient;

declare namespace PipeProc {
	interface PipeProcError extends Error {
		/** The PP_E* name of the failure, e.g. "PP_ENOTOPIC". */
		code: string;
		/** The PP_E* number (negative), when the library reported it. */
		errno?: number;
		/** The node's or library's detail, when it adds to the message. */
		detail?: string;
	}

	interface CommitLog {
		topic: string;
		/** Any non-null object (arrays too); stored as JSON text. */
		body: object;
	}

	interface Log<T = any> {
		/** "<ms>-<seq>" */
		id: string;
		body: T;
	}

	interface TlsServerClient {
		server: { key: string; cert: string; ca: string };
		client: { key: string; cert: string; ca: string };
	}

	interface SpawnOptions {
		namespace?: string;
		/** An address: "ipc:///path", "tcp://HOST:PORT", "tls+tcp://HOST:PORT". */
		socket?: string;
		tcp?: { host: string; port: number };
		tls?: TlsServerClient | false;
		memory?: boolean;
		location?: string;
		/** 0: none; default 1. */
		workers?: number;
		workerConcurrency?: number;
		workerRestartAfter?: number;
		gc?: boolean | { minPruneTime?: number; interval?: number };
		/** An access token file (mode 0600), for tcp:// beyond loopback. */
		tokenFile?: string;
		/** Request timeout of the client, ms (default 60000). */
		requestTimeout?: number;
	}

	interface ConnectOptions {
		namespace?: string;
		socket?: string;
		tcp?: { host: string; port: number };
		tls?: { key: string; cert: string; ca: string } | false;
		/** Handshake timeout, ms. */
		timeout?: number;
		token?: string;
		tokenFile?: string;
		requestTimeout?: number;
	}

	interface RangeOptions {
		start?: string;
		end?: string;
		/** 0, negative or missing: all (paged through the node's pages). */
		limit?: number;
		exclusive?: boolean;
	}

	type OnMaxReclaims = "disable" | "continue" | "deadletter";

	interface ProcOptions {
		name: string;
		/** ">" (default), "$>", ":N", "T-N" or "T". */
		offset?: string;
		count?: number;
		maxReclaims?: number;
		reclaimTimeout?: number;
		onMaxReclaimsReached?: OnMaxReclaims;
	}

	interface ProcState {
		name: string;
		topic: string;
		offset: string;
		createdAt: number;
		lastClaimedAt: number;
		lastAckedAt: number;
		lastClaimedRange: string;
		lastAckedRange: string;
		previousClaimedRange: string;
		status: "active" | "disabled";
		reclaims: number;
		maxReclaims: number;
		reclaimTimeout: number;
		onMaxReclaimsReached: OnMaxReclaims;
		count: number;
		lastError: string;
		lag: number;
	}

	interface AckCommitResult {
		ackedLogId: string;
		id: string | string[];
	}

	type ProcResult<T = any> = Log<T> | Log<T>[] | undefined;

	type Processor =
		| string
		| ((log: Log, done: (err?: Error | null, data?: object | object[]) => void) => void)
		| ((log: Log) => Promise<object | object[] | undefined | null>);

	interface SystemProcOptions {
		name: string;
		from: string | string[];
		to?: string | string[];
		processor: Processor;
		offset?: string;
		count?: number;
		maxReclaims?: number;
		reclaimTimeout?: number;
		onMaxReclaimsReached?: OnMaxReclaims;
	}

	interface LiveProcOptions {
		topic: string;
		mode?: "live" | "all";
		count?: number;
		maxReclaims?: number;
		reclaimTimeout?: number;
	}

	interface LiveProc {
		readonly name: string;
		changes(
			cb: (this: LiveProc, err: PipeProcError | null, result: ProcResult | null,
				next: () => void) => void | Promise<unknown>
		): LiveProc;
		inspect(): Promise<ProcState>;
		destroy(): Promise<ProcState>;
		disable(): Promise<ProcState>;
		resume(): Promise<ProcState>;
		reclaim(error?: string): Promise<string>;
		ack(): Promise<string>;
		ackCommit(logs: CommitLog | CommitLog[]): Promise<AckCommitResult>;
		cancel(): Promise<void>;
	}

	interface PipeProcClient {
		pipeProcNode?: object;
		spawn(options?: SpawnOptions): Promise<"spawned_and_connected" | "node_already_active">;
		connect(options?: ConnectOptions): Promise<"connected" | "already_connected">;
		shutdown(): Promise<"closed" | "disconnected">;
		commit(log: CommitLog): Promise<string>;
		commit(logs: CommitLog[]): Promise<string[]>;
		range(topic: string, options?: RangeOptions): Promise<Log[]>;
		revrange(topic: string, options?: RangeOptions): Promise<Log[]>;
		length(topic: string): Promise<number>;
		proc(topic: string, options: ProcOptions, waitMs?: number): Promise<ProcResult>;
		ack(procName: string): Promise<string>;
		ackCommit(procName: string, logs: CommitLog | CommitLog[]): Promise<AckCommitResult>;
		reclaimProc(procName: string, error?: string): Promise<string>;
		inspectProc(procName: string): Promise<ProcState>;
		destroyProc(procName: string): Promise<ProcState>;
		disableProc(procName: string): Promise<ProcState>;
		resumeProc(procName: string): Promise<ProcState>;
		availableProc(
			procList: Array<ProcOptions & { topic: string }>, waitMs?: number
		): Promise<{ procName: string; log: Log | Log[] } | undefined>;
		waitForProcs(names?: string | string[], options?: { timeout?: number }): Promise<void>;
		liveProc(options: LiveProcOptions): LiveProc;
		systemProc(options: SystemProcOptions & { from: string }): Promise<ProcState>;
		systemProc(options: SystemProcOptions & { from: string[] }): Promise<ProcState[]>;
		destroySystemProc(name: string): Promise<void>;
		/** The node's metrics, as `pipeproc stats` prints them. */
		stats(): Promise<Record<string, any>>;
	}

	const version: string;
	function PipeProc(): PipeProcClient;
}

export = PipeProc;
