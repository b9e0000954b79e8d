# SPDX-License-Identifier: MIT
# Writes small CIFAR python-format batches for the reader tests, from the first 20 records of the shared CIFAR-10
# binary file: `data_batch_1` as the CIFAR-10 python distribution stores it (protocol 2, dict of batch_label,
# labels, data as uint8 [N, 3072], filenames) and `train` as CIFAR-100 does (fine_labels and coarse_labels;
# labels here are the CIFAR-10 labels and 9 - label). Run from the repository root:
#   /usr/bin/python3 packages/train/test/support/make_cifar_pickles.py
import pickle
import numpy as np

N = 20
raw = open('../shared/data/cifar10/test_batch_first1017.bin', 'rb').read()[: N * 3073]
records = np.frombuffer(raw, dtype=np.uint8).reshape(N, 3073)
labels = [int(v) for v in records[:, 0]]
data = np.ascontiguousarray(records[:, 1:])
out = 'packages/train/test/fixtures/cifar_pickle/'
with open(out + 'data_batch_1', 'wb') as f:
    pickle.dump({'batch_label': 'testing batch 1 of 1', 'labels': labels, 'data': data,
                 'filenames': ['image_%d.png' % i for i in range(N)]}, f, protocol=2)
with open(out + 'train', 'wb') as f:
    pickle.dump({'filenames': ['image_%d.png' % i for i in range(N)], 'batch_label': 'training batch 1 of 1',
                 'fine_labels': labels, 'coarse_labels': [9 - v for v in labels], 'data': data}, f, protocol=4)
