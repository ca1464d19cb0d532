/** Entry point for the Toggl and Exist HTTP fakes used by integration tests, demo and benchmark. */

export type {
  FakeClockifyEntry,
  FakeClockifyProject,
  FakeClockifyRegion,
  FakeClockifyUser,
} from './fake-clockify.js'
export { FakeClockify } from './fake-clockify.js'
export type {
  FakeAttribute,
  FakeExistGroup,
  FakeExistMatch,
  FakeExistOptions,
  FakeExistRequest,
  FakeExistService,
  FakeExistTemplate,
  FakeExistUser,
  FakeOAuthClient,
  FakeOAuthGrant,
} from './fake-exist.js'
export { EXIST_GROUPS, EXIST_TEMPLATES, FakeExist } from './fake-exist.js'
export type {
  FakeTogglClient,
  FakeTogglEntry,
  FakeTogglOptions,
  FakeTogglProject,
  FakeTogglRequest,
  FakeTogglUser,
  FakeTogglWorkspace,
} from './fake-toggl.js'
export { FakeToggl } from './fake-toggl.js'
export type { FaultMatch, NetworkFault, RequestInfo } from './network-faults.js'
export { NetworkFaults } from './network-faults.js'
export type { SampleAccount, SampleOptions, SampleProjectKey } from './sample-account.js'
export { loadSampleAccount, RESCUETIME } from './sample-account.js'
export type { ServedFake } from './serve-fake.js'
export { serveFake } from './serve-fake.js'
